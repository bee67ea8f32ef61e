using System.Net;
using Cxpa.Engine.Http;
using Cxpa.Engine.Json;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests.Operations;

/// <summary>Each run event's callback body and retry rule, and the body the client actually sends.</summary>
public sealed class RunEventTests
{
    private static string Body(RunEvent ev) => JsonTree.SerializeToString(CxpaOperations.SendRunEvent(5, ev).Body);

    [Fact]
    public void Started_is_just_its_type()
    {
        Assert.Equal("""{"type":"started"}""", Body(new RunStartedEvent()));
        Assert.Equal(RetryMode.Idempotent, new RunStartedEvent().Retry);
    }

    [Fact]
    public void An_intermediate_output_carries_the_output_even_when_null_and_is_never_resent_once_it_may_have_arrived()
    {
        Assert.Equal("""{"type":"output","output":{"n":1},"outputs":2}""", Body(new RunOutputEvent(new Dictionary<string, object?> { ["n"] = 1L }, 2)));
        Assert.Equal("""{"type":"output","output":null}""", Body(new RunOutputEvent(null)));
        Assert.Equal(RetryMode.UntilReached, new RunOutputEvent("x").Retry);
        Assert.Equal(RetryMode.UntilReached, CxpaOperations.SendRunEvent(5, new RunOutputEvent("x")).Retry);
    }

    [Fact]
    public void Complete_without_an_output_leaves_the_key_out_so_the_last_output_stays()
    {
        Assert.Equal("""{"type":"output","complete":true}""", Body(new RunCompleteEvent()));
        Assert.Equal("""{"type":"output","outputs":4,"complete":true}""", Body(new RunCompleteEvent(4)));
        Assert.Equal("""{"type":"output","output":null,"complete":true}""", Body(new RunCompleteEvent(null, null)));
        Assert.Equal("""{"type":"output","output":"done","outputs":1,"complete":true}""", Body(new RunCompleteEvent("done", 1)));
        Assert.Equal(RetryMode.Idempotent, new RunCompleteEvent().Retry);
        Assert.Equal("complete", new RunCompleteEvent().Name);
    }

    [Fact]
    public void Fail_nests_the_error_with_name_and_stack_only_when_given()
    {
        Assert.Equal("""{"type":"output","failed":true,"error":{"message":"boom"}}""", Body(new RunFailEvent("boom")));
        Assert.Equal("""{"type":"output","failed":true,"error":{"message":"boom","name":"IOException","stack":"at x"}}""",
            Body(new RunFailEvent("boom", "IOException", "at x")));
        Assert.Equal(RetryMode.Idempotent, new RunFailEvent("boom").Retry);
        Assert.Throws<ArgumentNullException>(() => new RunFailEvent(null!));
    }

    [Fact]
    public void Waiting_names_the_token_and_description_and_an_output_only_when_there_is_one()
    {
        Assert.Equal("""{"type":"waiting","tokenId":"tok-1","description":"Approve the refund"}""", Body(new RunWaitingEvent("tok-1", "Approve the refund")));
        Assert.Equal("""{"type":"waiting","tokenId":"tok-1","description":"Approve","output":{"amount":5}}""",
            Body(new RunWaitingEvent("tok-1", "Approve", new Dictionary<string, object?> { ["amount"] = 5L })));
        Assert.Throws<ArgumentException>(() => new RunWaitingEvent("", "x"));
        Assert.Throws<ArgumentException>(() => new RunWaitingEvent("t", ""));
    }

    [Theory]
    [InlineData("started")]
    [InlineData("output")]
    [InlineData("complete")]
    [InlineData("fail")]
    [InlineData("waiting")]
    public void The_callback_route_and_What_if_text_name_the_run_and_the_event_but_no_value(string name)
    {
        RunEvent ev = name switch
        {
            "started" => new RunStartedEvent(),
            "output" => new RunOutputEvent("secret-output"),
            "complete" => new RunCompleteEvent("secret-output", null),
            "fail" => new RunFailEvent("secret-output"),
            _ => new RunWaitingEvent("tok", "secret-output", "secret-output"),
        };
        var op = CxpaOperations.SendRunEvent(1234, ev);
        Assert.Equal(name, ev.Name);
        Assert.Equal("api/runs/1234/callback", op.Route);
        Assert.Equal(1234, op.RunId);
        Assert.Equal($"POST api/runs/1234/callback with a '{name}' event", op.WhatIfTarget);
        Assert.Equal($"Report '{name}' for run 1234", op.WhatIfAction);
        Assert.DoesNotContain("secret-output", op.WhatIfTarget + op.WhatIfAction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_sends_the_event_body_with_the_agent_key_and_reads_the_answer()
    {
        var handler = new MockTransport().Always(HttpStatusCode.OK, """{"ok":true,"status":"completed"}""");
        var client = new CxpaClient(new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.AgentApiKey, Secret.FromString("agent-key")),
            new CxpaCallOptions { Handler = handler, MaximumRetryCount = 0 });
        var r = await client.SendRunEventAsync(88, new RunCompleteEvent(2), CancellationToken.None);
        var sent = Assert.Single(handler.Requests);
        Assert.Equal("POST /api/runs/88/callback", sent.Line);
        Assert.Equal("""{"type":"output","outputs":2,"complete":true}""", sent.Text);
        Assert.Equal("complete", r.Event);
        Assert.Equal("completed", r.Status);
        Assert.Equal(88, r.RunId);
    }

    [Fact]
    public async Task An_event_needs_an_agent_API_key_and_nothing_is_sent_with_another_secret()
    {
        var handler = new MockTransport().Always(HttpStatusCode.OK, "{}");
        var client = new CxpaClient(new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("k")),
            new CxpaCallOptions { Handler = handler });
        var ex = await Assert.ThrowsAsync<CxpaConfigurationException>(() => client.SendRunEventAsync(1, new RunStartedEvent(), CancellationToken.None));
        Assert.Equal("WrongKeyKind", ex.ErrorId);
        Assert.Empty(handler.Requests);
    }
}

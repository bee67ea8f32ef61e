using System.Net;
using Cxpa.Engine.Http;
using Cxpa.Engine.Time;
using Cxpa.Engine.Runs;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Cxpa.Engine.Tests.Operations;

/// <summary>The one deadline of -WaitTimeoutSeconds, on a fake clock: nothing sleeps.</summary>
public sealed class WaitDeadlineTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void No_budget_is_no_deadline()
    {
        var time = new FakeTimeProvider(Start);
        var d = WaitDeadline.Start(0, time);
        time.Advance(TimeSpan.FromDays(3));
        Assert.False(d.IsBounded);
        Assert.False(d.HasPassed);
        Assert.Null(d.Remaining);
        Assert.Null(d.EndsAt);
        Assert.Equal(-1, d.SecondsLeft);
        Assert.Equal(TimeSpan.FromDays(3), d.Elapsed);
        Assert.Equal(TimeSpan.FromSeconds(300), d.ServerWindow(TimeSpan.FromSeconds(300)));
        Assert.Same(d, d.WithGrace(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_budget_counts_down_on_its_clock_and_passes_at_its_end()
    {
        var time = new FakeTimeProvider(Start);
        var d = WaitDeadline.Start(10, time);
        Assert.Equal(Start.AddSeconds(10), d.EndsAt);
        Assert.Equal(10, d.Seconds);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(6), d.Remaining);
        Assert.Equal(6, d.SecondsLeft);
        Assert.False(d.HasPassed);
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(d.HasPassed);
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(TimeSpan.Zero, d.Remaining);
        Assert.Equal(0, d.SecondsLeft);
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(300, 300)]
    [InlineData(900, 300)]
    public void The_server_window_is_the_budget_capped_at_the_ceiling(int seconds, int window)
        => Assert.Equal(TimeSpan.FromSeconds(window), WaitDeadline.Start(seconds, new FakeTimeProvider(Start)).ServerWindow(TimeSpan.FromSeconds(300)));

    [Fact]
    public void Grace_moves_the_end_and_keeps_the_start_and_the_budget()
    {
        var time = new FakeTimeProvider(Start);
        var d = WaitDeadline.Start(10, time).WithGrace(TimeSpan.FromSeconds(5));
        Assert.Equal(Start.AddSeconds(15), d.EndsAt);
        Assert.Equal(Start, d.StartedAt);
        Assert.Equal(10, d.Seconds);
    }

    [Fact]
    public void The_linked_source_cancels_when_the_fake_clock_reaches_the_end_or_the_caller_cancels()
    {
        var time = new FakeTimeProvider(Start);
        using var caller = new CancellationTokenSource();
        var d = WaitDeadline.Start(30, time);
        using var a = d.Link(caller.Token);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(a.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(a.IsCancellationRequested);

        using var b = WaitDeadline.Start(0, time).Link(caller.Token);
        time.Advance(TimeSpan.FromDays(1));
        Assert.False(b.IsCancellationRequested);
        caller.Cancel();
        Assert.True(b.IsCancellationRequested);
    }

    [Fact]
    public async Task A_client_whose_deadline_has_passed_sends_nothing_and_names_the_run()
    {
        var time = new FakeTimeProvider(Start);
        var handler = new MockTransport(time).Always(HttpStatusCode.OK);
        var options = new CxpaCallOptions { Handler = handler, TimeProvider = time, Deadline = WaitDeadline.Start(5, time) };
        var client = new CxpaClient(new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("k")), options);
        time.Advance(TimeSpan.FromSeconds(5));
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => client.GetRunAsync(42, 7, CancellationToken.None));
        Assert.Equal(7, ex.RunId);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void A_waiter_takes_the_client_deadline()
    {
        var time = new FakeTimeProvider(Start);
        var d = WaitDeadline.Start(5, time);
        var client = new CxpaClient(new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("k")),
            new CxpaCallOptions { Handler = new MockTransport(time).Always(HttpStatusCode.OK), TimeProvider = time, Deadline = d });
        Assert.Same(d, new RunWaiter(client, new[] { new Run { RunId = 1, AgentId = 2, Status = "running" } }).Deadline);
    }
}

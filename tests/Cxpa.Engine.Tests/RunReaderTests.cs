using System.Text.Json;
using Cxpa.Engine.Json;
using Cxpa.Engine.Models;
using Xunit;

namespace Cxpa.Engine.Tests;

/// <summary>A run says only what the platform said: no local-clock times, Input echoed as input_data.</summary>
public class RunReaderTests
{
    private static JsonElement Json(string s) => JsonDocument.Parse(s).RootElement.Clone();

    [Fact]
    public void A_trigger_answer_gives_its_id_and_status_and_no_times()
    {
        var run = RunReader.FromTriggerAnswer(Json("""{"runId": 1234, "status": "queued"}"""), 42, new Dictionary<string, object?> { ["x"] = 1 }, DictionaryObjectFactory.Instance);
        Assert.Equal(1234, run.RunId);
        Assert.Equal(42, run.AgentId);
        Assert.Equal("queued", run.Status);
        Assert.Null(run.CreatedAt);
        Assert.Null(run.StartedAt);
        Assert.Null(run.CompletedAt);
        Assert.Null(run.GetDuration());
        Assert.Null(run.AdditionalProperties);
        Assert.Equal("""{"x":1}""", JsonTree.SerializeToString(run.Input));
    }

    [Fact]
    public void A_zone_create_answer_without_status_leaves_it_null_and_no_input_echoes_an_empty_object()
    {
        var run = RunReader.FromTriggerAnswer(Json("""{"runId": 7}"""), 42, null, DictionaryObjectFactory.Instance);
        Assert.Equal(7, run.RunId);
        Assert.Null(run.Status);
        Assert.Equal("{}", JsonTree.SerializeToString(run.Input));
    }

    [Fact]
    public void Duration_needs_the_platform_completion_time()
    {
        var row = RunReader.FromJson(Json("""{"id": 1, "status": "running", "created_at": "2026-01-01T00:00:00Z", "started_at": "2026-01-01T00:00:01Z", "extra": 5}"""), DictionaryObjectFactory.Instance);
        Assert.Null(row.GetDuration());
        Assert.Equal(5L, row.AdditionalProperties!["extra"]);
        row.CompletedAt = DateTimeOffset.Parse("2026-01-01T00:00:03.5Z");
        Assert.Equal(TimeSpan.FromSeconds(2.5), row.GetDuration());
    }
}

using System.Net;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Http;

/// <summary>The client's clock reaches every timeout: a download's per-read timeout runs on it too (no real time passes here).</summary>
public sealed class ClockReachTests
{
    [Fact]
    public async Task A_stalled_download_times_out_on_the_clients_clock()
    {
        var time = new FakeTimeProvider(Start);
        var body = new MutHttpBody("stall");
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) };
        var options = new CxpaCallOptions { TimeProvider = time, ReadTimeout = TimeSpan.FromHours(1) };
        using var answer = new DownloadAnswer(response, 9, false, new TestRequest { Method = HttpMethod.Post, Path = "api/agents/43/runs/trigger-and-download" }, options);
        using var sink = new MemoryStream();
        var copy = answer.CopyToAsync(sink, new DownloadProgress(), CancellationToken.None);
        // Two hours pass on the fake clock only: a timer on the real clock would not have fired.
        for (int i = 0; i < 7200 && !copy.IsCompleted; i++)
        {
            await Task.Yield();
            time.Advance(TimeSpan.FromSeconds(1));
        }
        for (int i = 0; i < 1000 && !copy.IsCompleted; i++) await Task.Yield();
        Assert.True(copy.IsCompleted, "the read timeout did not run on the client's clock");
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => copy);
        Assert.Contains("stalled: no data for 3600 s after 0 bytes", ex.Message);
    }
}

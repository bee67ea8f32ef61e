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
    /// <summary>A body whose every read waits forever (until cancelled) and says when a read has begun.</summary>
    private sealed class StalledBody : ReadOnlyBody
    {
        public readonly TaskCompletionSource ReadBegun = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
        {
            ReadBegun.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }
    }

    [Fact]
    public async Task A_stalled_download_times_out_on_the_clients_clock()
    {
        var time = new FakeTimeProvider(Start);
        var body = new StalledBody();
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) };
        var options = new CxpaCallOptions { TimeProvider = time, ReadTimeout = TimeSpan.FromHours(1) };
        using var answer = new DownloadAnswer(response, 9, false, new TestRequest { Method = HttpMethod.Post, Path = "api/agents/43/runs/trigger-and-download" }, options);
        using var sink = new MemoryStream();
        var copy = answer.CopyToAsync(sink, new DownloadProgress(), CancellationToken.None);

        // The read's timer is armed before the read begins; once it has begun, one hour passes on the fake clock only
        // (a timer on the real clock would not fire). The real-time bounds only keep a broken build from hanging.
        Assert.Same(body.ReadBegun.Task, await Task.WhenAny(body.ReadBegun.Task, copy, Task.Delay(TimeSpan.FromMinutes(2))));
        Assert.False(copy.IsCompleted);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Same(copy, await Task.WhenAny(copy, Task.Delay(TimeSpan.FromMinutes(2))));
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => copy);
        Assert.Contains("stalled: no data for 3600 s after 0 bytes", ex.Message);
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>
/// Runs jose (the library behind createZoneMiddleware) through node, from the jose-interop folder beside this file.
/// jose is installed there on first use with <c>npm ci</c> from the committed package-lock.json (node_modules is ignored).
/// When node, npm or the registry is unavailable, the tests that need it are skipped (see <see cref="JoseFactAttribute"/>).
/// </summary>
internal static class JoseInterop
{
    private static readonly Lazy<(string? Folder, string? SkipReason)> State = new(Prepare, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Null when jose can be run, else why not.</summary>
    public static string? SkipReason => State.Value.SkipReason;

    private static string Folder => State.Value.Folder ?? throw new InvalidOperationException(SkipReason);

    private static (string?, string?) Prepare()
    {
        try
        {
            string? folder = FindFolder();
            if (folder == null) return (null, "the jose-interop folder was not found above " + AppContext.BaseDirectory);
            var node = Run("node", new[] { "--version" }, folder, null, TimeSpan.FromSeconds(20));
            if (node.ExitCode != 0) return (null, "node is not available");
            if (!File.Exists(Path.Combine(folder, "node_modules", "jose", "package.json")))
            {
                var npm = RunNpm(new[] { "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error" }, folder, TimeSpan.FromMinutes(3));
                if (npm.ExitCode != 0 || !File.Exists(Path.Combine(folder, "node_modules", "jose", "package.json")))
                    return (null, "jose could not be installed with npm ci (offline?): " + Trim(npm.Error));
            }
            return (folder, null);
        }
        catch (Exception ex)
        {
            return (null, "node/npm could not be run: " + ex.Message);
        }
    }

    private static string? FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cxpa.Engine.Tests.csproj")))
            {
                string folder = Path.Combine(dir.FullName, "Zone", "jose-interop");
                return File.Exists(Path.Combine(folder, "package.json")) ? folder : null;
            }
        }
        return null;
    }

    /// <summary>Signs the payload with jose (header defaults to {"alg":"HS256"}).</summary>
    public static string Mint(byte[] secret, object payload, object? header = null)
    {
        var request = new JsonObject
        {
            ["op"] = "mint",
            ["secret"] = ZoneTestTokens.B64(secret),
            ["payload"] = JsonSerializer.SerializeToNode(payload),
            ["header"] = header == null ? null : JsonSerializer.SerializeToNode(header),
        };
        return Call(request)["token"]!.GetValue<string>();
    }

    /// <summary>Verifies tokens as createZoneMiddleware does; one (ok, code, payload) per token.</summary>
    public static IReadOnlyList<(bool Ok, string? Code, JsonObject? Payload)> Verify(
        IEnumerable<string?> tokens, byte[] secret, string audience, int clockToleranceSeconds, long nowSeconds)
    {
        var list = new JsonArray();
        foreach (var token in tokens) list.Add(token);
        var request = new JsonObject
        {
            ["op"] = "verify",
            ["secret"] = ZoneTestTokens.B64(secret),
            ["audience"] = audience,
            ["clockTolerance"] = clockToleranceSeconds,
            ["now"] = nowSeconds,
            ["tokens"] = list,
        };
        return Call(request).AsArray()
            .Select(r => (r!["ok"]!.GetValue<bool>(), r["code"]?.GetValue<string>(), r["payload"] as JsonObject))
            .ToList();
    }

    private static JsonNode Call(JsonObject request)
    {
        var result = Run("node", new[] { "interop.mjs" }, Folder, request.ToJsonString(), TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0) throw new InvalidOperationException($"node interop.mjs failed ({result.ExitCode}): {Trim(result.Error)}");
        return JsonNode.Parse(result.Output, documentOptions: new JsonDocumentOptions { MaxDepth = 1024 })!;
    }

    private static (int ExitCode, string Output, string Error) RunNpm(string[] args, string folder, TimeSpan timeout)
        => RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
            ? Run("cmd.exe", new[] { "/d", "/c", "npm" }.Concat(args).ToArray(), folder, null, timeout)
            : Run("npm", args, folder, null, timeout);

    private static (int ExitCode, string Output, string Error) Run(string file, string[] args, string folder, string? input, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input != null)
        {
            var bytes = new UTF8Encoding(false).GetBytes(input);
            process.StandardInput.BaseStream.Write(bytes);
        }
        process.StandardInput.Close();
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            return (-1, "", $"{file} timed out after {timeout.TotalSeconds:F0} s");
        }
        process.WaitForExit();
        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string Trim(string text) => text.Length > 400 ? text.Substring(0, 400) + "..." : text.Trim();
}

/// <summary>A fact that is skipped, with the reason, when jose cannot be run through node here.</summary>
public sealed class JoseFactAttribute : FactAttribute
{
    public JoseFactAttribute()
    {
        string? reason = JoseInterop.SkipReason;
        if (reason != null) Skip = "jose interop unavailable: " + reason;
    }
}

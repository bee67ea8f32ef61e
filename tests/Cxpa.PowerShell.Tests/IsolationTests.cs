using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using Cxpa.Emulator;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// Dependency isolation (docs/isolation.md): Cxpa's engine and its third-party dependencies load into Cxpa's own
/// AssemblyLoadContext; other versions of Microsoft.IdentityModel and System.Text.Json in the same process, loaded before or
/// after Import-Module Cxpa, keep working, and so does Cxpa.
/// </summary>
public sealed class IsolationTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public IsolationTests(EmulatorFixture emu) => _emu = emu;

    private static readonly string[] Shipped = Directory.GetFiles(Path.Combine(Path.GetDirectoryName(PowerShellHost.ModulePath)!, "dependencies", "netstandard2.0"), "*.dll")
        .Concat(Directory.GetFiles(Path.Combine(Path.GetDirectoryName(PowerShellHost.ModulePath)!, "dependencies", "net8.0"), "*.dll"))
        .Select(f => Path.GetFileNameWithoutExtension(f)!).Where(n => n != "Cxpa.Engine").Distinct().ToArray();

    [Fact]
    public void In_this_process_the_module_uses_its_own_engine_copy_not_the_one_the_emulator_loaded()
    {
        // The test process itself has Cxpa.Engine (and Microsoft.IdentityModel 8.x) in the default context: the emulator uses them.
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(typeof(Cxpa.Run).Assembly));
        var r = _emu.Run("""
            $run = Start-CxpaRun -AgentId 42 -Wait
            $zt = New-CxpaZoneToken -UserId $user -AgentId 42 -Secret $secret -Audience $aud
            $null = Test-CxpaZoneToken -Token $zt -Secret $secret -Audience $aud
            $run.Status
            $cmdlets = (Get-Command Start-CxpaRun).ImplementingType.Assembly
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdlets).Assemblies | Where-Object { $_.GetName().Name -eq 'Cxpa.Engine' }
            $cmdlets
            $run.GetType().Assembly
            """, vars: new Dictionary<string, object?> { ["user"] = EmulatorConfig.DemoUserId, ["secret"] = EmulatorConfig.DemoZoneSecret, ["aud"] = EmulatorConfig.DemoZoneAudience });
        Assert.Null(r.Thrown);
        Assert.Empty(r.Errors);
        Assert.Equal("completed", r.Output[0].BaseObject);
        var engine = (Assembly)r.Output[1].BaseObject;
        var cmdlets = (Assembly)r.Output[2].BaseObject;
        // Run (Cxpa.Types) is the one type surface the module shares with PowerShell and with this process: the default context's copy.
        Assert.Same(typeof(Cxpa.Run).Assembly, (Assembly)r.Output[3].BaseObject);
        Assert.NotSame(typeof(Cxpa.Run).Assembly, engine);
        var alc = AssemblyLoadContext.GetLoadContext(engine)!;
        Assert.NotSame(AssemblyLoadContext.Default, alc);
        Assert.StartsWith("Cxpa ", alc.Name);
        Assert.Same(alc, AssemblyLoadContext.GetLoadContext(cmdlets));
        // The engine comes from the dependencies folder of the module the cmdlets were loaded from. (One context serves a Cxpa
        // version per process, so when another test imported an installed copy of the same version first, that copy's folder it is.)
        var moduleDir = Path.GetDirectoryName(cmdlets.Location)!;
        Assert.Equal(Path.Combine(moduleDir, "dependencies", "net8.0", "Cxpa.Engine.dll"), engine.Location);
        Assert.NotEqual(typeof(Cxpa.Run).Assembly.Location, engine.Location);
        // Its third-party dependencies come from the module's folder, in the same context.
        var tokens = alc.Assemblies.Single(a => a.GetName().Name == "Microsoft.IdentityModel.Tokens");
        Assert.StartsWith(Path.Combine(moduleDir, "dependencies", "net8.0"), tokens.Location);
    }

    [Fact]
    public void Cmdlet_assembly_public_surface_exposes_no_third_party_type()
    {
        var moduleDir = Path.GetDirectoryName(PowerShellHost.ModulePath)!;
        var alc = new AssemblyLoadContext("cxpa-surface-check", isCollectible: true);
        alc.Resolving += (ctx, name) =>
        {
            var p = Path.Combine(moduleDir, "dependencies", "net8.0", name.Name + ".dll");
            return File.Exists(p) ? ctx.LoadFromAssemblyPath(p) : null;
        };
        try
        {
            var asm = alc.LoadFromAssemblyPath(Path.Combine(moduleDir, "Cxpa.PowerShell.dll"));
            var offenders = new List<string>();
            var seen = new HashSet<Type>();
            void Check(Type? t, string where)
            {
                if (t == null) return;
                if (t.HasElementType) { Check(t.GetElementType(), where); return; }
                if (t.IsGenericParameter) return;
                if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) Check(a, where);
                if (!seen.Add(t)) return;
                var an = t.Assembly.GetName().Name!;
                var ok = !Shipped.Contains(an, StringComparer.OrdinalIgnoreCase)
                    && (an.StartsWith("Cxpa.", StringComparison.Ordinal) || an == "System.Management.Automation" || an == "System.Private.CoreLib"
                        || an == "netstandard" || an == "mscorlib" || an.StartsWith("System.", StringComparison.Ordinal));
                if (!ok) offenders.Add($"{where}: {t.FullName} from {an}");
            }
            void CheckAttribute(CustomAttributeData a, string where)
            {
                Check(a.AttributeType, where);
                // typeof() arguments too: [OutputType(typeof(Run))] names a type users see.
                foreach (var arg in a.ConstructorArguments.Concat(a.NamedArguments.Select(n => n.TypedValue)))
                {
                    if (arg.Value is Type t) Check(t, where + " argument");
                    else if (arg.Value is IEnumerable<CustomAttributeTypedArgument> items)
                        foreach (var item in items) if (item.Value is Type it) Check(it, where + " argument");
                }
            }
            foreach (var type in asm.GetExportedTypes())
            {
                for (var b = type.BaseType; b != null; b = b.BaseType) Check(b, type.FullName + " base");
                foreach (var i in type.GetInterfaces()) Check(i, type.FullName + " interface");
                foreach (var a in type.GetCustomAttributesData()) CheckAttribute(a, type.FullName + " attribute");
                foreach (var m in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    var where = type.FullName + "." + m.Name;
                    switch (m)
                    {
                        case PropertyInfo p: Check(p.PropertyType, where); foreach (var ip in p.GetIndexParameters()) Check(ip.ParameterType, where); break;
                        case FieldInfo f: Check(f.FieldType, where); break;
                        case EventInfo e: Check(e.EventHandlerType, where); break;
                        case MethodBase mb:
                            if (mb is MethodInfo mi) Check(mi.ReturnType, where);
                            foreach (var p in mb.GetParameters()) Check(p.ParameterType, where);
                            break;
                        case Type nested: Check(nested, where); break;
                    }
                    foreach (var a in m.GetCustomAttributesData()) CheckAttribute(a, where + " attribute");
                }
            }
            Assert.NotEmpty(seen);
            Assert.True(offenders.Count == 0, string.Join(Environment.NewLine, offenders));
            // The cmdlet surface's Cxpa types come from Cxpa.PowerShell itself or from Cxpa.Types, nothing else of Cxpa's.
            Assert.All(seen.Where(t => t.Assembly.GetName().Name!.StartsWith("Cxpa.", StringComparison.Ordinal)),
                t => Assert.Contains(t.Assembly.GetName().Name, new[] { "Cxpa.PowerShell", "Cxpa.Types" }));
            Assert.Contains(seen, t => t.FullName == "Cxpa.Run" && t.Assembly.GetName().Name == "Cxpa.Types");
        }
        finally { alc.Unload(); }
    }

    [Fact]
    public void Types_assembly_sits_in_the_module_root_holds_every_output_type_and_references_only_the_BCL_and_PowerShell()
    {
        // Cxpa.Types is loaded into the default context (where PowerShell resolves [Cxpa.Run] and catch [Cxpa.CxpaException]),
        // so it must not pull any of Cxpa's dependencies in there.
        var moduleDir = Path.GetDirectoryName(PowerShellHost.ModulePath)!;
        var path = Path.Combine(moduleDir, "Cxpa.Types.dll");
        Assert.True(File.Exists(path), path);
        Assert.DoesNotContain("Cxpa.Types", Shipped);
        Assert.False(File.Exists(Path.Combine(moduleDir, "dependencies", "net8.0", "Cxpa.Types.dll")));
        Assert.False(File.Exists(Path.Combine(moduleDir, "dependencies", "netstandard2.0", "Cxpa.Types.dll")));
        var alc = new AssemblyLoadContext("cxpa-types-check", isCollectible: true);
        try
        {
            var asm = alc.LoadFromAssemblyPath(path);
            var refs = asm.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
            // The BCL, and PowerShell's own System.Management.Automation (BasicCredential.Credential is a PSCredential).
            Assert.Equal(new[] { "System.Management.Automation", "netstandard" }, refs.OrderBy(n => n, StringComparer.Ordinal));
            var names = asm.GetExportedTypes().Select(t => t.FullName).ToArray();
            foreach (var expected in new[] { "Cxpa.Run", "Cxpa.RunStatus", "Cxpa.IngestResult", "Cxpa.RunEventResult", "Cxpa.CxpaException", "Cxpa.CxpaApiException",
                         "Cxpa.CxpaTimeoutException", "Cxpa.CxpaConnectionException", "Cxpa.CxpaConfigurationException", "Cxpa.CxpaDownloadException",
                         "Cxpa.CxpaRunException", "Cxpa.CxpaRunFailedException", "Cxpa.CxpaRunCancelledException", "Cxpa.CxpaRunWaitTimeoutException",
                         "Cxpa.SavedRunOutput", "Cxpa.CxpaConnection", "Cxpa.RunRegistration", "Cxpa.ZoneTokenResult",
                         "Cxpa.CxpaCredential", "Cxpa.OAuthCredential", "Cxpa.ApiKeyCredential", "Cxpa.BasicCredential", "Cxpa.GenericCredential" })
                Assert.Contains(expected, names);
            Assert.All(asm.GetExportedTypes().Where(t => t.Name.EndsWith("Exception", StringComparison.Ordinal) && t.Name != "CxpaException"),
                t => Assert.True(t.IsSubclassOf(asm.GetType("Cxpa.CxpaException", true)!), t.FullName));
        }
        finally { alc.Unload(); }
    }

    [Fact]
    public void Import_loads_no_third_party_assembly_until_first_use()
    {
        var r = Child("""
            Import-Module $env:CXPA_MODULE -ErrorAction Stop
            $alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext((Get-Command Start-CxpaRun).ImplementingType.Assembly)
            'alc=' + $alc.Name
            $alc.Assemblies | ForEach-Object { 'atimport=' + $_.GetName().Name }
            $zt = New-CxpaZoneToken -UserId $env:CXPA_USER -AgentId 42 -Secret $env:CXPA_ZONE_SECRET -Audience $env:CXPA_AUDIENCE
            'valid=' + (Test-CxpaZoneToken -Token $zt -Secret $env:CXPA_ZONE_SECRET -Audience $env:CXPA_AUDIENCE)
            $alc.Assemblies | ForEach-Object { 'afteruse=' + $_.GetName().Name }
            """);
        Assert.StartsWith("Cxpa ", r.Single("alc"));
        var atImport = r.All("atimport");
        Assert.Contains("Cxpa.PowerShell", atImport);
        Assert.DoesNotContain(atImport, n => Shipped.Contains(n));
        Assert.Equal("True", r.Single("valid"));
        Assert.Contains("Microsoft.IdentityModel.Tokens", r.All("afteruse"));
    }

    [Fact]
    public void Other_versions_loaded_before_import_keep_working_and_so_does_Cxpa() => OtherVersions(otherFirst: true);

    [Fact]
    public void Other_versions_loaded_after_import_keep_working_and_so_does_Cxpa() => OtherVersions(otherFirst: false);

    private void OtherVersions(bool otherFirst)
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-iso-").FullName;
        try
        {
            var order = otherFirst ? "Use-Other 'before'; Use-Cxpa; Use-Other 'again'" : "Use-Cxpa; Use-Other 'before'; Use-Cxpa; Use-Other 'again'";
            var r = Child(OtherScript + "\n" + order, new() { ["CXPA_DIR"] = dir });
            var expectedIm = AssemblyName.GetAssemblyName(Path.Combine(Host.Value.Other, "identitymodel7", "Microsoft.IdentityModel.Tokens.dll")).Version!.ToString();
            var expectedStj = AssemblyName.GetAssemblyName(Path.Combine(Host.Value.Other, "stj8", "System.Text.Json.dll")).Version!.ToString();
            Assert.All(r.All("other-im"), v => Assert.Equal(expectedIm + "|other|Default", v));
            Assert.All(r.All("other-stj"), v => Assert.Equal(expectedStj + "|1|OtherModule", v));
            Assert.Equal(2, r.All("other-im").Count);
            Assert.All(r.All("zone"), v => Assert.Equal("True", v));
            Assert.All(r.All("run"), v => Assert.Equal("completed", v));
            Assert.All(r.All("download"), v => Assert.NotEqual("0", v));
            var cxpaUses = otherFirst ? 1 : 2;
            foreach (var key in new[] { "zone", "run", "download", "engine", "cxpa-im" }) Assert.Equal(cxpaUses, r.All(key).Count);
            Assert.Equal(2, r.All("other-stj").Count);
            // Cxpa's engine and its IdentityModel 8.x are its own copies, in its own context.
            // Run comes from Cxpa.Types in the default context, where PowerShell resolves [Cxpa.Run].
            Assert.All(r.All("types"), v => Assert.Equal("Default|True", v));
            Assert.Equal(cxpaUses, r.All("types").Count);
            Assert.All(r.All("engine"), v => Assert.StartsWith("Cxpa |" + Path.Combine(Path.GetDirectoryName(PowerShellHost.ModulePath)!, "dependencies", "net8.0"), v));
            Assert.All(r.All("cxpa-im"), v => Assert.StartsWith(typeof(Microsoft.IdentityModel.Tokens.SecurityKey).Assembly.GetName().Version + "|Cxpa ", v));
            // Both versions live side by side in the process.
            var loaded = r.All("loaded-im");
            Assert.Contains(loaded, v => v.StartsWith(expectedIm + "|Default", StringComparison.Ordinal));
            Assert.Contains(loaded, v => v.StartsWith(typeof(Microsoft.IdentityModel.Tokens.SecurityKey).Assembly.GetName().Version + "|Cxpa ", StringComparison.Ordinal));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// Another module's use of its own versions: Microsoft.IdentityModel 7.x loaded by path into the default context (what a
    /// module without isolation does), System.Text.Json 8 in its own load context (on PowerShell 7.6 the default context
    /// already holds System.Text.Json 10, which nobody can replace there).
    /// </summary>
    private const string OtherScript = """
        $ErrorActionPreference = 'Stop'
        function Use-Other([string] $when) {
            foreach ($n in 'Abstractions', 'Logging', 'Tokens', 'JsonWebTokens') { $null = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($env:CXPA_OTHER, 'identitymodel7', "Microsoft.IdentityModel.$n.dll")) }
            $handler = [Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler]::new()
            $key = [Microsoft.IdentityModel.Tokens.SymmetricSecurityKey]::new([byte[]](1..32))
            $d = [Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor]::new()
            $d.Issuer = 'other'
            $d.SigningCredentials = [Microsoft.IdentityModel.Tokens.SigningCredentials]::new($key, 'HS256')
            $jwt = $handler.ReadJsonWebToken($handler.CreateToken($d))
            $asm = $handler.GetType().Assembly
            'other-im=' + [Microsoft.IdentityModel.Tokens.SecurityKey].Assembly.GetName().Version + '|' + $jwt.Issuer + '|' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($asm).Name
            if (-not $script:otherAlc) {
                $script:otherAlc = [System.Runtime.Loader.AssemblyLoadContext]::new('OtherModule')
                $script:otherStj = $script:otherAlc.LoadFromAssemblyPath([System.IO.Path]::Combine($env:CXPA_OTHER, 'stj8', 'System.Text.Json.dll'))
            }
            $docType = $script:otherStj.GetType('System.Text.Json.JsonDocument', $true)
            $doc = $docType.GetMethod('Parse', [type[]]@([string], $script:otherStj.GetType('System.Text.Json.JsonDocumentOptions', $true))).Invoke($null, @('{"a":1}', $script:otherStj.GetType('System.Text.Json.JsonDocumentOptions', $true)::new()))
            'other-stj=' + $script:otherStj.GetName().Version + '|' + $doc.RootElement.GetProperty('a').GetInt32() + '|' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($doc.GetType().Assembly).Name
        }
        function Use-Cxpa {
            Import-Module $env:CXPA_MODULE -ErrorAction Stop
            $zt = New-CxpaZoneToken -UserId $env:CXPA_USER -AgentId 42 -Secret $env:CXPA_ZONE_SECRET -Audience $env:CXPA_AUDIENCE
            'zone=' + (Test-CxpaZoneToken -Token $zt -Secret $env:CXPA_ZONE_SECRET -Audience $env:CXPA_AUDIENCE)
            $run = Start-CxpaRun -BaseUrl $env:CXPA_URL -IngestApiKey $env:CXPA_KEY -AgentId 42 -Wait
            'run=' + $run.Status
            'download=' + @(Save-CxpaRunOutput -BaseUrl $env:CXPA_URL -IngestApiKey $env:CXPA_KEY -AgentId 43 -Path $env:CXPA_DIR -Force).Count
            $alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext((Get-Command Start-CxpaRun).ImplementingType.Assembly)
            $engine = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'Cxpa.Engine' }
            'types=' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($run.GetType().Assembly).Name + '|' + ($run -is [Cxpa.Run])
            'engine=' + $alc.Name.Split(' ')[0] + ' |' + $engine.Location
            $im = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'Microsoft.IdentityModel.Tokens' }
            'cxpa-im=' + $im.GetName().Version + '|' + $alc.Name
            foreach ($a in [AppDomain]::CurrentDomain.GetAssemblies()) {
                if ($a.GetName().Name -eq 'Microsoft.IdentityModel.Tokens') { 'loaded-im=' + $a.GetName().Version + '|' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name }
            }
        }
        """;

    // ---- child process plumbing ----

    internal sealed record HostInfo(string Dll, string Other);

    /// <summary>Builds tests/Cxpa.PowerShell.IsolationHost once (it is not referenced by this project: it must not share our dependencies).</summary>
    internal static readonly Lazy<HostInfo> Host = new(() =>
    {
        var proj = Path.Combine(PowerShellHost.RepoRoot, "tests", "Cxpa.PowerShell.IsolationHost");
        var outDir = Path.Combine(proj, "bin", "Debug", "net10.0");
        var (code, log) = Exec("dotnet", $"build \"{proj}\" -c Debug -nologo -v q", null, 300_000);
        if (code != 0) throw new InvalidOperationException("building the isolation host failed:\n" + log);
        return new HostInfo(Path.Combine(outDir, "Cxpa.PowerShell.IsolationHost.dll"), Path.Combine(outDir, "other"));
    });

    private sealed class ChildResult
    {
        public required List<string> Lines { get; init; }
        public List<string> All(string key) => Lines.Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..]).ToList();
        public string Single(string key) => Assert.Single(All(key));
    }

    private ChildResult Child(string script, Dictionary<string, string>? env = null)
    {
        var file = Path.Combine(Path.GetTempPath(), "cxpa-iso-" + Guid.NewGuid().ToString("N") + ".ps1");
        File.WriteAllText(file, script);
        try
        {
            var vars = new Dictionary<string, string>
            {
                ["CXPA_MODULE"] = PowerShellHost.ModulePath,
                ["CXPA_OTHER"] = Host.Value.Other,
                ["CXPA_URL"] = _emu.Url,
                ["CXPA_KEY"] = EmulatorFixture.Key,
                ["CXPA_USER"] = EmulatorConfig.DemoUserId,
                ["CXPA_ZONE_SECRET"] = EmulatorConfig.DemoZoneSecret,
                ["CXPA_AUDIENCE"] = EmulatorConfig.DemoZoneAudience,
            };
            if (env != null) foreach (var kv in env) vars[kv.Key] = kv.Value;
            var (code, log) = Exec("dotnet", $"\"{Host.Value.Dll}\" \"{file}\"", vars, 180_000);
            Assert.True(code == 0, "child failed:\n" + log);
            return new ChildResult { Lines = log.Split('\n').Select(l => l.TrimEnd('\r')).ToList() };
        }
        finally { File.Delete(file); }
    }

    internal static (int Code, string Log) Exec(string exe, string args, Dictionary<string, string>? env, int timeoutMs)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); throw new TimeoutException(exe + " " + args); }
        return (p.ExitCode, stdout + stderr.Result);
    }
}

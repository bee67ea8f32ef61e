using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

// Usage: Cxpa.Benchmarks.ImportHost with <module path> | without | script <text>
// Prints "identitymodel-loaded=<bool>" (with/without) or the script's timing (script); exit code 2 on any error.
var mode = args.Length > 0 ? args[0] : "without";
var sw = Stopwatch.StartNew();
var iss = InitialSessionState.CreateDefault2();
using var rs = RunspaceFactory.CreateRunspace(iss);
rs.Open();
var open = sw.Elapsed.TotalMilliseconds;
using var ps = PowerShell.Create();
ps.Runspace = rs;
switch (mode)
{
    case "with": ps.AddCommand("Import-Module").AddParameter("Name", args[1]); break;
    case "script": ps.AddScript(args[1]); break;
    default: ps.AddScript("$null"); break;
}
sw.Restart();
foreach (var o in ps.Invoke()) Console.WriteLine(o);
var run = sw.Elapsed.TotalMilliseconds;
if (ps.HadErrors)
{
    Console.Error.WriteLine(string.Join("; ", ps.Streams.Error));
    return 2;
}
if (mode == "script") Console.WriteLine($"open={open:0} script={run:0}");
else Console.WriteLine("identitymodel-loaded=" + AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Microsoft.IdentityModel.JsonWebTokens"));
return 0;

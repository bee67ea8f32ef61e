using System.Management.Automation;
using System.Management.Automation.Runspaces;

// Runs one script in a fresh runspace of the real PowerShell engine; nothing is imported beforehand.
if (args.Length < 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Cxpa.PowerShell.IsolationHost <script.ps1>");
    return 2;
}
var iss = InitialSessionState.CreateDefault2();
using var rs = RunspaceFactory.CreateRunspace(iss);
rs.Open();
using var ps = PowerShell.Create();
ps.Runspace = rs;
ps.AddScript(File.ReadAllText(args[0]));
var failed = false;
try
{
    foreach (var o in ps.Invoke()) Console.WriteLine(o?.ToString());
}
catch (Exception ex)
{
    Console.Error.WriteLine("THROWN: " + ex);
    failed = true;
}
foreach (var e in ps.Streams.Error)
{
    Console.Error.WriteLine("ERROR: " + e + Environment.NewLine + e.Exception);
    failed = true;
}
return failed ? 1 : 0;

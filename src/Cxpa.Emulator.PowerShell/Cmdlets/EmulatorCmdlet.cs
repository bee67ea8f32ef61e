using System.Management.Automation;

namespace Cxpa.Emulator.Cmdlets;

/// <summary>The base of the cmdlets that act on a running emulator: -Emulator, else the last one started.</summary>
public abstract class EmulatorCmdlet : PSCmdlet
{
    /// <summary>The emulator (from Start-CxpaEmulator); default: the last one started that still runs.</summary>
    public abstract CxpaEmulator? Emulator { get; set; }

    /// <summary>The emulator to act on, or a terminating error (NoEmulator, EmulatorStopped).</summary>
    protected CxpaEmulator ResolveEmulator()
    {
        if (Emulator is { } e)
        {
            if (!e.IsRunning)
                Fail(new InvalidOperationException($"The emulator at {e.Url} is stopped."), "EmulatorStopped", ErrorCategory.InvalidOperation, e);
            return e;
        }
        return EmulatorRegistry.Last ?? Fail<CxpaEmulator>(
            new InvalidOperationException("No emulator is running in this session: start one with Start-CxpaEmulator, or pass -Emulator."),
            "NoEmulator", ErrorCategory.ObjectNotFound, null);
    }

    /// <summary>Stops the command with an ErrorRecord.</summary>
    protected void Fail(Exception e, string errorId, ErrorCategory category, object? target) =>
        ThrowTerminatingError(new ErrorRecord(e, errorId, category, target));

    private T Fail<T>(Exception e, string errorId, ErrorCategory category, object? target)
    {
        Fail(e, errorId, category, target);
        throw e;
    }
}

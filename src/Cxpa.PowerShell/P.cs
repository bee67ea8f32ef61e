namespace Cxpa.PowerShell { internal static class P {} }

using System;
using System.IO;
using System.Management.Automation;

namespace Cxpa.PowerShell.Loader
{
    /// <summary>
    /// Runs when PowerShell imports Cxpa.PowerShell.dll. On .NET Framework it makes sure the resolver is registered even
    /// when the dll is imported directly instead of through Cxpa.psd1; on removal it unregisters it.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>Registers the Desktop resolver when running on .NET Framework.</summary>
        public void OnImport()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal)) return;
            var root = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);
            if (!string.IsNullOrEmpty(root)) DependencyResolver.Register(Path.Combine(root, "dependencies", "netstandard2.0"));
        }

        /// <summary>Unregisters the resolver.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo) => DependencyResolver.Unregister();
    }
}

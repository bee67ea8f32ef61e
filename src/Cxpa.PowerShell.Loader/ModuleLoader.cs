using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace Cxpa.PowerShell.Loader
{
    /// <summary>
    /// Called by Cxpa.psm1 on PowerShell 7.4+: loads Cxpa.PowerShell.dll into Cxpa's own load context and returns it for
    /// <c>Import-Module -Assembly</c>. There is one context per cmdlet assembly identity (name and version), not per
    /// folder: PowerShell caches cmdlet metadata by assembly-qualified type name, so two copies of the same version in two
    /// contexts would collide (the same module version imported from a second folder reuses the first one, as a plain
    /// binary module did). Different Cxpa versions get different contexts.
    /// </summary>
    public static class ModuleLoader
    {
        private static readonly Dictionary<string, CxpaLoadContext> Contexts = new(StringComparer.Ordinal);

        /// <summary>The cmdlet assembly of the module in <paramref name="moduleBase"/>, loaded in its own context.</summary>
        public static Assembly LoadCmdletAssembly(string moduleBase)
        {
            var root = Path.GetFullPath(moduleBase);
            LoadTypesIntoDefaultContext(root);
            var identity = AssemblyName.GetAssemblyName(Path.Combine(root, "Cxpa.PowerShell.dll")).FullName;
            CxpaLoadContext alc;
            lock (Contexts)
            {
                if (!Contexts.TryGetValue(identity, out alc!))
                    Contexts[identity] = alc = new CxpaLoadContext(root);
            }
            return alc.LoadCmdletAssembly();
        }

        /// <summary>
        /// Cxpa.Types (Run, the exceptions) goes into the default context, where PowerShell resolves type names
        /// (<c>[Cxpa.Run]</c>, <c>catch [Cxpa.CxpaApiException]</c>); Cxpa's context shares that copy. It references only the BCL.
        /// A copy already there (loaded by an earlier import, or the host's own) is used as it is.
        /// </summary>
        private static void LoadTypesIntoDefaultContext(string root)
        {
            if (CxpaLoadContext.LoadedInDefault(CxpaLoadContext.TypesAssembly) != null) return;
            // A host that ships Cxpa.Types itself (one that references the engine, like the test host) has it on its
            // trusted platform assembly list: use that copy. pwsh does not, so the module root's file is loaded by path.
            var file = CxpaLoadContext.TypesAssembly + ".dll";
            if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa
                && tpa.IndexOf(Path.DirectorySeparatorChar + file, StringComparison.OrdinalIgnoreCase) >= 0)
                AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(CxpaLoadContext.TypesAssembly));
            else
                AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(root, file));
        }
    }

    /// <summary>
    /// Cxpa's load context. It answers only for the files Cxpa ships: Cxpa.PowerShell.dll from the module folder and
    /// Cxpa.Engine plus its dependencies from dependencies/net8.0/. Everything else (the BCL,
    /// System.Management.Automation, and Cxpa.Types, which ModuleLoader put into the default context) comes from the default
    /// context, so PowerShell and Cxpa share those types.
    /// </summary>
    internal sealed class CxpaLoadContext : AssemblyLoadContext
    {
        private const string CmdletAssembly = "Cxpa.PowerShell";
        internal const string TypesAssembly = "Cxpa.Types";
        private readonly string _root;
        private readonly string _dependencies;

        public CxpaLoadContext(string moduleBase) : base("Cxpa " + moduleBase, isCollectible: false)
        {
            _root = moduleBase;
            _dependencies = Path.Combine(moduleBase, "dependencies", "net8.0");
        }

        public Assembly LoadCmdletAssembly() => LoadFromAssemblyName(new AssemblyName(CmdletAssembly));

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name;
            if (string.IsNullOrEmpty(name)) return null;
            if (string.Equals(name, CmdletAssembly, StringComparison.OrdinalIgnoreCase))
                return LoadFromAssemblyPath(Path.Combine(_root, CmdletAssembly + ".dll"));
            if (string.Equals(name, TypesAssembly, StringComparison.OrdinalIgnoreCase))
            {
                // Shared with the default context, so that PowerShell's [Cxpa.Run] is the type the cmdlets emit. Only when the
                // default context holds an older Cxpa.Types (an older Cxpa imported first) does this context load its own.
                var shared = LoadedInDefault(name);
                return shared == null || shared.GetName().Version >= assemblyName.Version ? null : LoadFromAssemblyPath(Path.Combine(_root, TypesAssembly + ".dll"));
            }
            var shipped = Path.Combine(_dependencies, name + ".dll");
            if (!File.Exists(shipped)) return null;
            // A package copy of a framework assembly (System.Formats.Asn1 …) yields to the runtime's own when that is not older,
            // as the .NET host does for applications.
            return FrameworkHasAtLeast(name, assemblyName.Version) ? null : LoadFromAssemblyPath(shipped);
        }

        internal static Assembly? LoadedInDefault(string name)
        {
            foreach (var a in Default.Assemblies)
                if (string.Equals(a.GetName().Name, name, StringComparison.OrdinalIgnoreCase)) return a;
            return null;
        }

        private static readonly string FrameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "";

        private static bool FrameworkHasAtLeast(string name, Version? version)
        {
            var path = Path.Combine(FrameworkDirectory, name + ".dll");
            if (FrameworkDirectory.Length == 0 || !File.Exists(path)) return false;
            try { return version == null || AssemblyName.GetAssemblyName(path).Version >= version; }
            catch (Exception) { return false; }
        }
    }
}

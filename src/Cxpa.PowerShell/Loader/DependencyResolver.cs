using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace Cxpa.PowerShell.Loader
{
    /// <summary>
    /// Windows PowerShell 5.1 (and PowerShell before 7.4): an AppDomain.AssemblyResolve handler that answers only for the
    /// assemblies Cxpa ships in dependencies/netstandard2.0/, and only when Cxpa's own code asks for them; and for Cxpa.Types,
    /// which sits in the module root beside Cxpa.PowerShell.dll (Cxpa.psm1 loads it first, so this is the fallback).
    /// PowerShell 7.4+ does not use it: Cxpa.psm1 loads the module into Cxpa's own AssemblyLoadContext instead.
    /// </summary>
    public static class DependencyResolver
    {
        private static readonly object Gate = new object();
        private static string? _directory;
        private static HashSet<string>? _shipped;
        private static bool _registered;

        /// <summary>Starts answering for the assemblies in <paramref name="directory"/>; a second call changes nothing.</summary>
        public static void Register(string directory)
        {
            lock (Gate)
            {
                if (_registered) return;
                _directory = Path.GetFullPath(directory);
                _shipped = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                if (Directory.Exists(_directory))
                    foreach (var file in Directory.GetFiles(_directory, "*.dll")) _shipped.Add(Path.GetFileNameWithoutExtension(file));
                AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
                _registered = true;
            }
        }

        /// <summary>Stops answering (Remove-Module). Assemblies already loaded stay loaded: .NET Framework cannot unload them.</summary>
        public static void Unregister()
        {
            lock (Gate)
            {
                if (!_registered) return;
                AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
                _registered = false;
            }
        }

        private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
        {
            string? directory; HashSet<string>? shipped;
            lock (Gate) { directory = _directory; shipped = _shipped; }
            if (directory == null || shipped == null) return null;
            string? name;
            try { name = new AssemblyName(args.Name).Name; }
            catch (Exception) { return null; }
            if (string.Equals(name, TypesAssembly, StringComparison.OrdinalIgnoreCase)) return LoadTypes();
            if (name == null || !shipped.Contains(name)) return null;
            // Only Cxpa's requests: the cmdlet assembly, the engine, or one of the dependencies Cxpa itself loaded.
            // Without a requesting assembly the request can come from anyone, so only Cxpa.Engine (ours alone) is answered.
            var requester = args.RequestingAssembly;
            if (requester == null ? !string.Equals(name, "Cxpa.Engine", StringComparison.OrdinalIgnoreCase) : !IsCxpa(requester, directory))
                return null;
            var path = Path.Combine(directory, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }

        private const string TypesAssembly = "Cxpa.Types";

        /// <summary>Cxpa.Types from the module root (the folder of Cxpa.PowerShell.dll); it is Cxpa's alone, whoever asks.</summary>
        private static Assembly? LoadTypes()
        {
            string root;
            try { root = Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? ""; }
            catch (NotSupportedException) { return null; }
            var path = Path.Combine(root, TypesAssembly + ".dll");
            return root.Length > 0 && File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }

        private static bool IsCxpa(Assembly assembly, string directory)
        {
            var simple = assembly.GetName().Name;
            if (string.Equals(simple, "Cxpa.PowerShell", StringComparison.OrdinalIgnoreCase) || string.Equals(simple, "Cxpa.Engine", StringComparison.OrdinalIgnoreCase))
                return true;
            string location;
            try { location = assembly.Location; }
            catch (NotSupportedException) { return false; }
            return !string.IsNullOrEmpty(location)
                && string.Equals(Path.GetDirectoryName(Path.GetFullPath(location)), directory, StringComparison.OrdinalIgnoreCase);
        }
    }
}

using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// The shape of the cmdlet classes, read from the staged module's assembly: a short base chain, every cmdlet sealed, no
/// member that hides a base member (a -Fail switch hiding a Fail() helper, a parameter redeclared with <c>new</c>), and one
/// confirm → send → write step.
/// </summary>
public sealed class CmdletShapeTests
{
    private static T WithCmdlets<T>(Func<Assembly, T> inspect)
    {
        var moduleDir = Path.GetDirectoryName(PowerShellHost.ModulePath)!;
        var alc = new AssemblyLoadContext("cxpa-shape-check", isCollectible: true);
        alc.Resolving += (ctx, name) =>
        {
            var p = Path.Combine(moduleDir, "dependencies", "net8.0", name.Name + ".dll");
            return File.Exists(p) ? ctx.LoadFromAssemblyPath(p) : null;
        };
        try { return inspect(alc.LoadFromAssemblyPath(Path.Combine(moduleDir, "Cxpa.PowerShell.dll"))); }
        finally { alc.Unload(); }
    }

    private static List<Type> Cmdlets(Assembly asm)
        => asm.GetTypes().Where(t => t.GetCustomAttribute<CmdletAttribute>() != null).ToList();

    [Fact]
    public void Every_cmdlet_is_sealed_with_at_most_three_own_bases_above_PSCmdlet()
    {
        var chains = WithCmdlets(asm => Cmdlets(asm).Select(t =>
        {
            var own = new List<string>();
            for (var b = t.BaseType; b != null && b != typeof(PSCmdlet); b = b.BaseType) own.Add(b.Name);
            return (t.Name, t.IsSealed, Own: own);
        }).ToList());
        Assert.Equal(ModuleManifest.Cmdlets.Count, chains.Count);
        Assert.All(chains, c =>
        {
            Assert.True(c.IsSealed, c.Name + " is not sealed");
            Assert.True(c.Own.Count <= 3, $"{c.Name}: {string.Join(" → ", c.Own)}");
        });
    }

    [Fact]
    public void No_cmdlet_or_base_hides_a_member_of_its_bases()
    {
        var hidden = WithCmdlets(asm =>
        {
            var found = new List<string>();
            const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var types = Cmdlets(asm).SelectMany(t => Chain(t)).Distinct();
            foreach (var type in types)
            {
                foreach (var member in type.GetMembers(declared))
                {
                    if (member is MethodInfo { IsSpecialName: true } || member is ConstructorInfo || member.Name.Contains('<')) continue;
                    if (IsOverride(member)) continue;
                    for (var b = type.BaseType; b != null && b != typeof(object); b = b.BaseType)
                        if (b.GetMember(member.Name, declared).Any(m => Visible(m, type)))
                            found.Add($"{type.Name}.{member.Name} hides {b.Name}.{member.Name}");
                }
            }
            return found;
        });
        Assert.Empty(hidden);

        static IEnumerable<Type> Chain(Type t)
        {
            for (var b = t; b != null && b != typeof(PSCmdlet); b = b.BaseType) yield return b;
        }
        // A base member the derived type can see: public or protected, or internal to the same assembly.
        static bool Visible(MemberInfo m, Type from)
        {
            var sameAssembly = m.DeclaringType!.Assembly == from.Assembly;
            bool Access(MethodBase? a) => a != null && (a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly || (sameAssembly && (a.IsAssembly || a.IsFamilyAndAssembly)));
            return m switch
            {
                MethodInfo mi => Access(mi),
                PropertyInfo pi => Access(pi.GetMethod) || Access(pi.SetMethod),
                FieldInfo fi => fi.IsPublic || fi.IsFamily || fi.IsFamilyOrAssembly || (sameAssembly && (fi.IsAssembly || fi.IsFamilyAndAssembly)),
                EventInfo ei => Access(ei.AddMethod),
                Type nt => nt.IsNestedPublic || nt.IsNestedFamily || nt.IsNestedFamORAssem || (sameAssembly && (nt.IsNestedAssembly || nt.IsNestedFamANDAssem)),
                _ => true,
            };
        }
        static bool IsOverride(MemberInfo m) => m switch
        {
            MethodInfo mi => mi.GetBaseDefinition() != mi,
            PropertyInfo pi => (pi.GetMethod ?? pi.SetMethod) is { } a && a.GetBaseDefinition() != a,
            _ => false,
        };
    }

    [Fact]
    public void Confirm_send_and_write_happen_in_one_helper()
    {
        // The catch that turns a failed call into the cmdlet's non-terminating error is written once (CxpaCmdlet.WriteAnswer),
        // not in each cmdlet: the sources of the cmdlets and their bases have no other copy of it.
        var src = Path.Combine(PowerShellHost.RepoRoot, "src", "Cxpa.PowerShell");
        var copies = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar))
            .SelectMany(f => File.ReadLines(f).Select(l => (File: Path.GetFileName(f), Line: l.Trim())))
            .Where(x => x.Line.StartsWith("catch (PipelineStoppedException) { throw; }", StringComparison.Ordinal))
            .Select(x => x.File).ToList();
        Assert.Equal(new[] { "CxpaCmdlet.cs", "RunWaitLoop.cs" }, copies.OrderBy(f => f, StringComparer.Ordinal));
    }
}

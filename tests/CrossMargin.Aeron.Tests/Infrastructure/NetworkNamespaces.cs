using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrossMargin.Aeron.Tests.Infrastructure;

/// <summary>
/// Two network namespaces joined by a veth pair (10.a.b.1 &lt;-&gt; 10.a.b.2, multicast routed over it), created
/// with <c>ip netns</c> for this test run only and deleted on dispose. Sockets are created inside a namespace by
/// switching only the calling thread with setns(2); a socket keeps its namespace afterwards.
/// If namespaces cannot be created here, <see cref="SkipReason"/> says why and the tests skip themselves.
/// </summary>
public sealed partial class NetworkNamespaces : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly List<string> _created = [];

    public NetworkNamespaces()
    {
        string tag = $"{Environment.ProcessId % 10000}{Random.Shared.Next(100, 999)}";
        NamespaceA = $"cmaeron{tag}a";
        NamespaceB = $"cmaeron{tag}b";
        int subnet = Random.Shared.Next(0, 250);
        int subnet2 = Random.Shared.Next(0, 250);
        AddressA = $"10.{200 + subnet % 50}.{subnet2}.1";
        AddressB = $"10.{200 + subnet % 50}.{subnet2}.2";
        SkipReason = Setup(tag);
        if (SkipReason is not null) Dispose();
    }

    public string NamespaceA { get; }
    public string NamespaceB { get; }
    public string AddressA { get; }
    public string AddressB { get; }
    public string? SkipReason { get; }

    private string? Setup(string tag)
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces need Linux";
        if (Environment.GetEnvironmentVariable("CROSSMARGIN_AERON_NO_NETNS") == "1") return "disabled by CROSSMARGIN_AERON_NO_NETNS=1";
        if (geteuid() != 0) return "network namespaces need root (CI runs as root)";
        string vethA = $"cma{tag}", vethB = $"cmb{tag}";
        var steps = new List<string>
        {
            $"netns add {NamespaceA}",
            $"netns add {NamespaceB}",
            $"link add {vethA} netns {NamespaceA} type veth peer name {vethB} netns {NamespaceB}",
            $"-n {NamespaceA} addr add {AddressA}/24 dev {vethA}",
            $"-n {NamespaceB} addr add {AddressB}/24 dev {vethB}",
            $"-n {NamespaceA} link set lo up",
            $"-n {NamespaceB} link set lo up",
            $"-n {NamespaceA} link set {vethA} up",
            $"-n {NamespaceB} link set {vethB} up",
            $"-n {NamespaceA} route add 224.0.0.0/4 dev {vethA}",
            $"-n {NamespaceB} route add 224.0.0.0/4 dev {vethB}",
        };
        foreach (string step in steps)
        {
            string? error = Ip(step);
            if (step.StartsWith("netns add", StringComparison.Ordinal) && error is null) _created.Add(step["netns add ".Length..]);
            if (error is not null) return $"'ip {step}' failed: {error}";
        }
        return null;
    }

    private static string? Ip(string arguments)
    {
        try
        {
            var psi = new ProcessStartInfo("ip", arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(psi)!;
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return process.ExitCode == 0 ? null : $"exit {process.ExitCode}: {stderr.Trim()}";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"cannot run 'ip' ({ex.Message}); install iproute2";
        }
    }

    /// <summary>Runs <paramref name="create"/> on a thread switched into <paramref name="name"/>; returns its result.</summary>
    public T InNamespace<T>(string name, Func<T> create)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using SafeFileHandle target = File.OpenHandle($"/var/run/netns/{name}");
                if (setns((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({name}) failed: errno {Marshal.GetLastPInvokeError()}");
                }
                // This thread exists only for this call and ends here, so it never has to switch back.
                result = create();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"creating inside {name} failed", failure);
        return result!;
    }

    public void Dispose()
    {
        foreach (string ns in _created) Ip($"netns del {ns}");
        _created.Clear();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CrossMargin.Gate.Tests.Cli;

/// <summary>The built <c>crossmargin</c> executable run as a separate process (what an operator runs).</summary>
internal sealed class GateProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new();
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "crossmargin.dll");

    /// <summary>The tool run by <see cref="Run"/> and <see cref="Start"/>: crossmargin unless changed.</summary>
    private readonly string _dll;

    private GateProcess(string[] args, string? stdin, string? dll = null)
    {
        _dll = dll ?? Dll;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        psi.ArgumentList.Add(_dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_TieredPGO"] = "0"; // quicker start-up, less CPU for short runs
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stdout) _stdout.Append(e.Data).Append('\n');
            if (e.Data.StartsWith("gate running", StringComparison.Ordinal)) _running.TrySetResult();
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.Append(e.Data).Append('\n'); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (stdin is not null)
        {
            _process.StandardInput.Write(stdin);
            _process.StandardInput.Close();
        }
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public int Pid => _process.Id;

    /// <summary>Starts <c>crossmargin args…</c> without waiting.</summary>
    public static GateProcess Start(params string[] args) => new(args, null);

    /// <summary>Runs <c>crossmargin args…</c> to completion.</summary>
    public static (int Code, string Stdout, string Stderr) Run(TimeSpan timeout, string? stdin, params string[] args)
    {
        using var p = new GateProcess(args, stdin);
        Assert.True(p.WaitForExit(timeout), $"crossmargin {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        return (p._process.ExitCode, p.Stdout, p.Stderr);
    }

    /// <summary>Runs <c>aeron-samples args…</c> to completion.</summary>
    public static (int Code, string Stdout, string Stderr) RunSamples(TimeSpan timeout, params string[] args)
    {
        using var p = new GateProcess(args, null, Path.Combine(AppContext.BaseDirectory, "aeron-samples.dll"));
        Assert.True(p.WaitForExit(timeout), $"aeron-samples {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        return (p._process.ExitCode, p.Stdout, p.Stderr);
    }

    /// <summary>Waits for the "gate running" line of <c>run</c>.</summary>
    public void WaitUntilRunning(TimeSpan timeout)
    {
        if (!_running.Task.Wait(timeout))
            Assert.Fail($"the gate did not start within {timeout.TotalSeconds} s (exited: {_process.HasExited}); stdout: {Stdout} stderr: {Stderr}");
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // flush the asynchronous readers
        return true;
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Sends a POSIX signal (SIGTERM 15, SIGINT 2) to the process.</summary>
    public void Signal(int signal) => Assert.Equal(0, Native.Kill(_process.Id, signal));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(); } catch (InvalidOperationException) { }
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }

    /// <summary>Distinct free UDP ports on 127.0.0.1, outside the ephemeral range (<see cref="CrossMargin.Tests.Shared.LoopbackPorts"/>).</summary>
    public static int[] FreeUdpPorts(int count) => CrossMargin.Tests.Shared.LoopbackPorts.Free(count);

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrossMargin.Gate.Journal;

/// <summary>
/// Forcing written bytes to the disk. On Linux <c>fdatasync(2)</c> (the data and the file size, not
/// the access times: cheaper than fsync); elsewhere the runtime's flush-to-disk (fsync / FlushFileBuffers).
/// </summary>
internal static partial class DiskSync
{
    /// <summary>
    /// fdatasync on the file under <paramref name="file"/> (an unbuffered stream that owns the handle);
    /// throws <see cref="IOException"/> when the OS reports a failure.
    /// </summary>
    public static void Data(FileStream file)
    {
        if (OperatingSystem.IsLinux())
        {
            if (FDataSync(file.SafeFileHandle) != 0) throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
            return;
        }
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// fsyncs a directory so that a file created or renamed in it survives a power cut (Linux; a no-op elsewhere).
    /// </summary>
    public static void Directory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (FSync(fd) != 0) throw new IOException($"fsync({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

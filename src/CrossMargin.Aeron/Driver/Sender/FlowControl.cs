namespace CrossMargin.Aeron.Driver.Sender;

/// <summary>
/// The sender's view of its receivers (Aeron's max flow control): each receiver is known by its id
/// from its status messages and dropped after the connection timeout without one, on an EOS status
/// message or an ERR frame; the sender may send up to the furthest position + window any receiver
/// advertised. Single-threaded (the sender's duty cycle); no allocation after construction.
/// </summary>
internal sealed class FlowControl
{
    private readonly long[] _receiverIds;
    private readonly long[] _lastSmNs;
    private readonly long _timeoutNs;
    private int _count;

    public FlowControl(int maxReceivers, long receiverTimeoutNs)
    {
        _receiverIds = new long[maxReceivers];
        _lastSmNs = new long[maxReceivers];
        _timeoutNs = receiverTimeoutNs;
    }

    /// <summary>Live receivers.</summary>
    public int ReceiverCount => _count;

    /// <summary>Position the sender may send up to (never decreases).</summary>
    public long SenderLimit { get; private set; }

    /// <summary>Furthest position a receiver reported consumed (never decreases).</summary>
    public long ReceiverPosition { get; private set; }

    /// <summary>A status message of <paramref name="receiverId"/> consuming at <paramref name="position"/> with <paramref name="window"/>.</summary>
    public void OnStatusMessage(long receiverId, long position, int window, long nowNs)
    {
        int index = Find(receiverId);
        if (index < 0 && _count < _receiverIds.Length)
        {
            index = _count++;
            _receiverIds[index] = receiverId;
        }
        if (index >= 0) _lastSmNs[index] = nowNs;
        SenderLimit = Math.Max(SenderLimit, position + window);
        ReceiverPosition = Math.Max(ReceiverPosition, position);
    }

    /// <summary>Forgets a receiver (EOS status message, ERR frame); false if it was not known.</summary>
    public bool Remove(long receiverId)
    {
        int index = Find(receiverId);
        if (index < 0) return false;
        RemoveAt(index);
        return true;
    }

    /// <summary>Drops receivers silent for longer than the timeout; returns how many were dropped.</summary>
    public int CheckTimeouts(long nowNs)
    {
        int dropped = 0;
        for (int i = _count - 1; i >= 0; i--)
        {
            if (nowNs - _lastSmNs[i] > _timeoutNs)
            {
                RemoveAt(i);
                dropped++;
            }
        }
        return dropped;
    }

    private void RemoveAt(int index)
    {
        int last = --_count;
        _receiverIds[index] = _receiverIds[last];
        _lastSmNs[index] = _lastSmNs[last];
    }

    private int Find(long receiverId)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_receiverIds[i] == receiverId) return i;
        }
        return -1;
    }
}

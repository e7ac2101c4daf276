using System.Runtime.CompilerServices;
using CrossMargin.Concurrency;

namespace CrossMargin.Aeron.Driver.Sender;

/// <summary>Sends a range of the log again; implemented on a struct so the handler's loop is specialised for it.</summary>
internal interface IRetransmitSender
{
    /// <summary>Resends up to <paramref name="length"/> bytes from (<paramref name="termId"/>, <paramref name="termOffset"/>).</summary>
    void Resend(int termId, int termOffset, int length);
}

/// <summary>
/// The sender's answer to NAKs, as the C media driver's retransmit handler: a small pool of
/// retransmit actions, each <i>delayed</i> (resend when the delay expires) or <i>lingering</i> (resent;
/// NAKs for a range it covers are ignored until the linger expires, because the resend is on its way).
/// </summary>
/// <remarks>
/// <para>Unicast has one action, and a NAK whose offset the action does not cover <b>reuses</b> it at
/// once: a receiver NAKs its next gap only after repairing the previous one, so the old range is
/// stale and must not hold the new repair back for a whole linger (what cost ~10 ms per gap).
/// Group (multicast) publications keep up to <see cref="DriverOptions.MaxResend"/> concurrent actions,
/// because different receivers NAK different gaps; a NAK that finds none free is counted and dropped
/// (the receiver NAKs again).</para>
/// <para>Defaults as the C driver: delay 0 (resend in the duty cycle that read the NAK), linger 10 ms.
/// Single-threaded (the sender's duty cycle); no allocation after construction.</para>
/// </remarks>
internal sealed class RetransmitHandler
{
    private const byte Inactive = 0, Delayed = 1, Lingering = 2;

    private struct RetransmitAction
    {
        public long ExpiryNs;
        public int TermId, TermOffset, Length;
        public byte State;
    }

    private readonly RetransmitAction[] _actions;
    private readonly bool _groupSemantics;
    private readonly long _delayNs, _lingerNs;
    private int _active;

    /// <summary>Creates the handler of one publication.</summary>
    public RetransmitHandler(bool groupSemantics, int maxResend, long delayNs, long lingerNs)
    {
        _groupSemantics = groupSemantics;
        _actions = new RetransmitAction[groupSemantics ? Math.Max(1, maxResend) : 1];
        _delayNs = delayNs;
        _lingerNs = lingerNs;
    }

    /// <summary>NAKs ignored because an action already covers their offset (a resend is on its way).</summary>
    public long NaksCovered => _naksCovered.Value;
    private OrderedCounter _naksCovered;

    /// <summary>Group NAKs dropped because every action was busy (the C driver's retransmit-overflow counter).</summary>
    public long Overflows => _overflows.Value;
    private OrderedCounter _overflows;

    /// <summary>Actions delayed or lingering.</summary>
    public int ActiveCount => _active;

    /// <summary>
    /// Handles a NAK for <paramref name="length"/> bytes (already limited to what may be resent) at
    /// (<paramref name="termId"/>, <paramref name="termOffset"/>). Resends at once when the delay is 0.
    /// </summary>
    public void OnNak<TSender>(int termId, int termOffset, int length, long nowNs, ref TSender sender)
        where TSender : struct, IRetransmitSender
    {
        if (length <= 0) return;
        int index = FindAvailable(termId, termOffset);
        if (index < 0) return;

        ref RetransmitAction action = ref _actions[index];
        if (action.State == Inactive) _active++;
        action.TermId = termId;
        action.TermOffset = termOffset;
        action.Length = length;
        if (_delayNs == 0)
        {
            sender.Resend(termId, termOffset, length);
            action.State = Lingering;
            action.ExpiryNs = nowNs + _lingerNs;
        }
        else
        {
            action.State = Delayed;
            action.ExpiryNs = nowNs + _delayNs;
        }
    }

    /// <summary>Resends delayed actions that are due and frees lingering ones that expired. Returns the work done.</summary>
    public int ProcessTimeouts<TSender>(long nowNs, ref TSender sender)
        where TSender : struct, IRetransmitSender
    {
        if (_active == 0) return 0;
        int work = 0;
        for (int i = 0; i < _actions.Length; i++)
        {
            ref RetransmitAction action = ref _actions[i];
            if (action.State == Inactive || nowNs <= action.ExpiryNs) continue;
            if (action.State == Delayed)
            {
                sender.Resend(action.TermId, action.TermOffset, action.Length);
                action.State = Lingering;
                action.ExpiryNs = nowNs + _lingerNs;
            }
            else
            {
                action.State = Inactive;
                _active--;
            }
            work++;
        }
        return work;
    }

    /// <summary>Index of the action to use for a NAK, or −1 when it is covered or (group) none is free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindAvailable(int termId, int termOffset)
    {
        int available = -1;
        for (int i = 0; i < _actions.Length; i++)
        {
            ref RetransmitAction action = ref _actions[i];
            if (action.State == Inactive)
            {
                if (available < 0) available = i;
                continue;
            }
            if (action.TermId == termId && action.TermOffset <= termOffset && termOffset < action.TermOffset + action.Length)
            {
                _naksCovered.Increment();
                return -1;
            }
            // Unicast: a NAK outside the pending range supersedes it; reuse the action now.
            if (!_groupSemantics) available = i;
        }
        if (available < 0) _overflows.Increment();
        return available;
    }
}

// The LMAX Disruptor (Debian libdisruptor-java, /usr/share/java/disruptor.jar) under the exact
// one-producer/one-consumer workload of our ring (perf/CrossMargin.Bench/Rings/RingWorkload.cs):
// 1,024 slots of {long value, long stamp}, BusySpinWaitStrategy, single producer; burst = publish as
// fast as possible then wait for the consumer (median ops/s of the measured repetitions); paced =
// one event every 20 us, stamped just before the slot is claimed, the consumer records now - stamp;
// percentiles by sort and nearest rank. Warm-ups by time, like ours.
//
// Usage: java [-Dpeer.version=V] -cp disruptor.jar:. DisruptorPeer OUT_JSON [--quick]
// Writes a fragment (the schema of CrossMargin.Bench's Fragment) for run-bench.sh's report.
import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import java.io.FileWriter;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

public final class DisruptorPeer {
    static final int RING_SIZE = 1024;
    static final long PACED_GAP_NS = 20_000;

    static final class Event {
        long value;
        long stamp;
    }

    static final class Recorder implements EventHandler<Event> {
        final long[] samples;
        int count;
        long checksum;

        Recorder(int capacity) { samples = new long[capacity]; }

        @Override
        public void onEvent(Event e, long sequence, boolean endOfBatch) {
            checksum += e.value;
            if (e.stamp != 0 && count < samples.length) samples[count++] = System.nanoTime() - e.stamp;
        }
    }

    private final RingBuffer<Event> ring = RingBuffer.createSingleProducer(Event::new, RING_SIZE, new BusySpinWaitStrategy());
    private final BatchEventProcessor<Event> processor;
    private final Recorder recorder;
    private final Thread thread;

    DisruptorPeer(int capacity) {
        recorder = new Recorder(capacity);
        processor = new BatchEventProcessor<>(ring, ring.newBarrier(), recorder);
        ring.addGatingSequences(processor.getSequence());
        thread = new Thread(processor, "peer-disruptor");
        thread.setDaemon(true);
        thread.start();
    }

    void burst(long count) {
        RingBuffer<Event> r = ring;
        for (long i = 0; i < count; i++) {
            long s = r.next();
            Event e = r.get(s);
            e.value = i;
            e.stamp = 0;
            r.publish(s);
        }
        waitForConsumer();
    }

    void paced(int count, long gapNs) {
        RingBuffer<Event> r = ring;
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            next += gapNs;
            while (System.nanoTime() < next) { }
            long stamp = System.nanoTime();
            long s = r.next();
            Event e = r.get(s);
            e.value = i;
            e.stamp = stamp;
            r.publish(s);
        }
        waitForConsumer();
    }

    void waitForConsumer() {
        long target = ring.getCursor();
        while (processor.getSequence().get() < target) Thread.onSpinWait();
    }

    void stop() throws InterruptedException {
        processor.halt();
        thread.join(10_000);
    }

    static void warm(double seconds, Runnable step) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do step.run(); while (System.nanoTime() < end);
    }

    static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, b.getCollectionCount());
        return n;
    }

    static double at(long[] sorted, int n, double percentile) {
        if (n == 0) return Double.NaN;
        long rank = (long) Math.ceil(percentile / 100.0 * n);
        return sorted[(int) Math.max(0, Math.min(n - 1, rank - 1))];
    }

    static String num(double v) { return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "\"NaN\""; }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: DisruptorPeer OUT_JSON [--quick]");
            System.exit(2);
        }
        boolean quick = args.length > 1 && args[1].equals("--quick");
        long burstEvents = quick ? 5_000_000 : 20_000_000;
        int reps = quick ? 3 : 7;
        int pacedEvents = quick ? 50_000 : 250_000;
        double warmSeconds = quick ? 0.8 : 2.0;

        DisruptorPeer peer = new DisruptorPeer(pacedEvents);
        warm(warmSeconds, () -> peer.burst(1_000_000));
        warm(warmSeconds / 2, () -> peer.paced(2_000, PACED_GAP_NS));
        long gc0 = gcCount();
        // Repetitions stop early once their total passes the budget (at least one runs), as ours do.
        double budget = quick ? 8 : 30, spent = 0;
        double[] all = new double[reps];
        int done = 0;
        while (done < reps && (done == 0 || spent < budget)) {
            long t0 = System.nanoTime();
            peer.burst(burstEvents);
            double sec = (System.nanoTime() - t0) / 1e9;
            spent += sec;
            all[done++] = burstEvents / sec;
        }
        double[] ops = Arrays.copyOf(all, done);
        peer.recorder.count = 0;
        peer.paced(pacedEvents, PACED_GAP_NS);
        long gc = gcCount() - gc0;
        peer.stop();

        Arrays.sort(ops);
        double median = ops[ops.length / 2];
        int n = peer.recorder.count;
        long[] s = Arrays.copyOf(peer.recorder.samples, n);
        Arrays.sort(s);
        double p50 = at(s, n, 50), p90 = at(s, n, 90), p99 = at(s, n, 99), p999 = at(s, n, 99.9), p9999 = at(s, n, 99.99);
        double max = n == 0 ? Double.NaN : s[n - 1];
        List<String> curve = new ArrayList<>();
        for (int k = 0; ; k++) {
            double p = 100.0 * (1 - Math.pow(10, -k / 20.0));
            if (100 - p < 100.0 / n) break;
            curve.add("[" + num(p) + "," + num(at(s, n, p)) + "]");
        }
        curve.add("[" + num(100.0 * (1 - 1.0 / (2.0 * n))) + "," + num(max) + "]");
        String json = "{\n"
            + "  \"Name\": \"lmax\",\n"
            + "  \"Figures\": {\"lmax_throughput_ops_s\": " + num(median) + ", \"lmax_burst_reps\": " + done + ", \"lmax_p50_ns\": " + num(p50) + ", \"lmax_p99_ns\": " + num(p99) + "},\n"
            + "  \"Latencies\": {\"ring1p1c/lmax\": {\"Count\": " + n + ", \"P50\": " + num(p50) + ", \"P90\": " + num(p90) + ", \"P99\": " + num(p99)
            + ", \"P999\": " + num(p999) + ", \"P9999\": " + num(p9999) + ", \"Max\": " + num(max) + "}},\n"
            + "  \"Curves\": {\"ring1p1c/lmax\": [" + String.join(",", curve) + "]},\n"
            + "  \"GcCollections\": " + gc + ",\n"
            + "  \"Notes\": [\"LMAX Disruptor " + System.getProperty("peer.version", "(version unknown)") + " on " + System.getProperty("java.vm.name") + " "
            + System.getProperty("java.version") + ": same 1P1C workload as ours (ring 1024, busy-spin, burst " + burstEvents + " x " + reps
            + " reps max within " + (int) budget + " s, median; paced 1 per 20 us, " + pacedEvents + " events); checksum " + peer.recorder.checksum + "\"]\n"
            + "}\n";
        try (FileWriter w = new FileWriter(args[0])) {
            w.write(json);
        }
        List<String> repText = new ArrayList<>();
        for (double x : ops) repText.add(String.format(Locale.ROOT, "%,.0f", x));
        System.out.printf(Locale.ROOT, "lmax      burst %,14.0f ops/s (sorted reps %s); paced one-way p50 %,.0f p99 %,.0f p99.9 %,.0f max %,.0f ns%n",
            median, String.join(", ", repText), p50, p99, p999, max);
    }
}

package io.bifrost.protocol.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Deterministic fuzzing in a plain JUnit test: a property checked on cases generated from a seeded
 * {@link java.util.Random}, with counts of what the cases reached and checks that interesting ones did not become
 * rare.
 *
 * <pre>{@code
 * Fuzz fuzz = Fuzz.property("anyTextIsAnObjectOrInvalidJson", 2000).requires("outcome", "object", 100);
 * fuzz.forAll(random -> text(random), text -> {
 *     ...assertions...
 *     fuzz.collect("outcome", "object");
 * });
 * }</pre>
 *
 * <p>Every run starts from {@link #BASE_SEED}, so CI tries the same cases each time; {@code -Dbifrost.fuzz.seed=}
 * explores others and {@code -Dbifrost.fuzz.tries=} more of them. Try {@code i} of a run with seed {@code s} is
 * generated from seed {@code s + i * GAMMA}: a failure names that seed, and running with it and one try replays the
 * failing case alone. There is no shrinking: generators keep cases small enough to read.
 *
 * <p>A run is bounded in tries and in time: a try that hangs fails the run with its seed instead of holding the
 * build.
 */
public final class Fuzz {
    /** The run seed unless {@value #SEED_PROPERTY} names another: every CI run tries the same cases. */
    public static final long BASE_SEED = 20_261_129L;
    /** System property: the run seed (decimal, or hexadecimal with 0x). */
    public static final String SEED_PROPERTY = "bifrost.fuzz.seed";
    /** System property: tries per property, instead of each property's own number. */
    public static final String TRIES_PROPERTY = "bifrost.fuzz.tries";

    // Steps between the seeds of consecutive tries (the golden ratio, as SplittableRandom uses): odd, well spread.
    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final Duration DEFAULT_BUDGET = Duration.ofMinutes(2);
    private static final int MAX_CASE_TEXT = 1500;

    private final String name;
    private final int defaultTries;
    private final int tries;
    private final long seed;
    private Duration budget = DEFAULT_BUDGET;
    private int threads = 1;
    private final List<Requirement> requirements = new ArrayList<>();
    private final Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();

    private Fuzz(String name, int defaultTries, int tries, long seed) {
        if (tries < 1) {
            throw new IllegalArgumentException(TRIES_PROPERTY + " is " + tries + "; it must be 1 or more");
        }
        this.name = name;
        this.defaultTries = defaultTries;
        this.tries = tries;
        this.seed = seed;
    }

    /**
     * @param name  what the property is called in messages, usually the test method's name
     * @param tries how many cases a run checks, unless {@value #TRIES_PROPERTY} says otherwise
     * @return a property to run with {@link #forAll}, from {@link #BASE_SEED} unless {@value #SEED_PROPERTY} names
     *         another
     */
    public static Fuzz property(String name, int tries) {
        String seedText = System.getProperty(SEED_PROPERTY);
        long seed = seedText == null || seedText.isBlank() ? BASE_SEED : Long.decode(seedText.trim());
        return new Fuzz(name, tries, Integer.getInteger(TRIES_PROPERTY, tries), seed);
    }

    // For tests of Fuzz itself: a seed and a number of tries that no system property changes.
    static Fuzz seeded(String name, int defaultTries, int tries, long seed) {
        return new Fuzz(name, defaultTries, tries, seed);
    }

    /**
     * @param limit how long a run of the default number of tries may take before it fails as hung (two minutes
     *              unless set); scaled up when {@value #TRIES_PROPERTY} asks for more tries
     * @return this
     */
    public Fuzz within(Duration limit) {
        this.budget = limit;
        return this;
    }

    /**
     * @param count tries run at once (1 unless set); for properties that mostly wait, like a socket's timeouts
     * @return this
     */
    public Fuzz inParallel(int count) {
        this.threads = count;
        return this;
    }

    /**
     * A coverage check: the run fails unless at least {@code atLeast} tries {@link #collect collected} this value.
     * Checked only when the run has at least the default number of tries, which the counts are sized for.
     *
     * @param label   what was counted
     * @param value   the value
     * @param atLeast the fewest tries that must reach it
     * @return this
     */
    public Fuzz requires(String label, Object value, int atLeast) {
        requirements.add(new Requirement(label, String.valueOf(value), atLeast));
        return this;
    }

    /**
     * Counts what a try reached, for the summary and the {@link #requires coverage checks}.
     *
     * @param label what is counted
     * @param value what this try reached
     */
    public synchronized void collect(String label, Object value) {
        counts.computeIfAbsent(label, l -> new LinkedHashMap<>()).merge(String.valueOf(value), 1, Integer::sum);
    }

    /**
     * @return the run's seed, for messages about the run as a whole
     */
    public long seed() {
        return seed;
    }

    /**
     * @param label what was counted
     * @param value a value
     * @return how many tries so far collected that value
     */
    public synchronized int count(String label, Object value) {
        return counts.getOrDefault(label, Map.of()).getOrDefault(String.valueOf(value), 0);
    }

    /**
     * Checks the property on every generated case, then the coverage checks.
     *
     * @param generator makes one case from a seeded random
     * @param property  throws (an assertion, or anything else) when the case breaks the property
     * @param <T>       the case's type
     * @throws AssertionError naming the failing try, its seed and its case; or a coverage check that failed
     */
    public <T> void forAll(Generator<T> generator, Property<T> property) {
        System.out.println("fuzz " + name + ": " + tries + " tries from seed " + seed + " (-D" + SEED_PROPERTY + "="
                + seed + " -D" + TRIES_PROPERTY + "=" + tries + " run them again)");
        long started = System.nanoTime();
        Duration limit = budget.multipliedBy(Math.max(1, (tries + defaultTries - 1) / defaultTries));
        Map<Integer, Failure> failures = new ConcurrentSkipListMap<>();
        Set<Integer> running = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger workers = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "fuzz-" + name + "-" + workers.incrementAndGet());
            thread.setDaemon(true); // a try stuck in a read the interrupt cannot end must not hold the JVM
            return thread;
        });
        for (int i = 0; i < tries; i++) {
            int index = i;
            pool.execute(() -> {
                if (stop.get()) {
                    return;
                }
                running.add(index);
                long caseSeed = caseSeed(index);
                T value = null;
                try {
                    value = generator.next(new Random(mix(caseSeed)));
                    property.check(value);
                    done.incrementAndGet();
                } catch (Throwable failure) {
                    failures.put(index, new Failure(caseSeed, value, failure));
                    stop.set(true);
                } finally {
                    running.remove(index);
                }
            });
        }
        pool.shutdown();
        boolean finished;
        try {
            finished = pool.awaitTermination(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            // Named before the interrupt: an interrupted try leaves the running set.
            List<String> stuck = running.stream().sorted().map(i -> "try " + (i + 1) + " (seed " + caseSeed(i) + ")")
                    .toList();
            pool.shutdownNow();
            throw new AssertionError(name + ": " + done.get() + " of " + tries + " tries done in " + limit.toMillis()
                    + " ms, the run's time limit; still running: " + stuck + ". Replay one alone with -D"
                    + SEED_PROPERTY + "=<its seed> -D" + TRIES_PROPERTY + "=1; the whole run with -D" + SEED_PROPERTY
                    + "=" + seed);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (!failures.isEmpty()) {
            Map.Entry<Integer, Failure> first = failures.entrySet().iterator().next();
            throw report(first.getKey(), first.getValue(), failures.size());
        }
        System.out.println("fuzz " + name + ": " + tries + " tries passed in " + millis + " ms" + summary());
        checkCoverage();
    }

    private AssertionError report(int index, Failure failure, int failedTries) {
        String others = failedTries > 1 ? " (" + (failedTries - 1) + " tries running beside it failed too)" : "";
        return new AssertionError(name + " failed on try " + (index + 1) + " of " + tries + others
                + ": " + failure.cause()
                + "\n  case: " + (failure.value() == null ? "none: the generator threw" : show(failure.value()))
                + "\n  replay this case alone: -D" + SEED_PROPERTY + "=" + failure.caseSeed() + " -D" + TRIES_PROPERTY
                + "=1; the whole run: -D" + SEED_PROPERTY + "=" + seed, failure.cause());
    }

    private void checkCoverage() {
        if (tries < defaultTries) {
            if (!requirements.isEmpty()) {
                System.out.println("fuzz " + name + ": coverage not checked: " + tries + " tries, fewer than the "
                        + defaultTries + " its checks are sized for");
            }
            return;
        }
        List<String> missed = new ArrayList<>();
        for (Requirement requirement : requirements) {
            int reached = count(requirement.label(), requirement.value());
            if (reached < requirement.atLeast()) {
                missed.add(requirement.label() + " = " + requirement.value() + " in " + reached + " tries, "
                        + requirement.atLeast() + " needed");
            }
        }
        if (!missed.isEmpty()) {
            throw new AssertionError(name + ": the generators reach too few interesting cases to prove anything"
                    + " about them (seed " + seed + ", " + tries + " tries): " + String.join("; ", missed)
                    + summary());
        }
    }

    private synchronized String summary() {
        StringBuilder text = new StringBuilder();
        counts.forEach((label, values) -> {
            text.append("\n  ").append(label).append(':');
            values.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .forEach(e -> text.append("\n    ").append(e.getKey()).append(" (").append(e.getValue())
                            .append(')'));
        });
        return text.toString();
    }

    private long caseSeed(int index) {
        return seed + index * GAMMA;
    }

    // SplitMix64's finisher: consecutive seeds start unrelated streams (Random alone keeps neighbours close).
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A case as a failure message shows it: strings with control and other invisible characters escaped as Java
     * writes them, and capped.
     *
     * @param value a case
     * @return its text
     */
    public static String show(Object value) {
        String text = String.valueOf(value);
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_CASE_TEXT) + 32);
        for (int i = 0; i < text.length() && out.length() < MAX_CASE_TEXT; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F || Character.isLetterOrDigit(c) && !Character.isSurrogate(c)) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        if (out.length() >= MAX_CASE_TEXT) {
            out.append("… (").append(text.length()).append(" characters)");
        }
        return out.toString();
    }

    // ---- generators' building blocks ----

    /**
     * @param random  the case's random
     * @param weights relative weights
     * @return an index into the weights, drawn in proportion to them
     */
    public static int weighted(Random random, int... weights) {
        int total = 0;
        for (int weight : weights) {
            total += weight;
        }
        int roll = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            roll -= weights[i];
            if (roll < 0) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * @param random  the case's random
     * @param options what to pick from
     * @param <T>     their type
     * @return one of them
     */
    @SafeVarargs
    public static <T> T pick(Random random, T... options) {
        return options[random.nextInt(options.length)];
    }

    /**
     * @param random  the case's random
     * @param options what to pick from
     * @param <T>     their type
     * @return one of them
     */
    public static <T> T pick(Random random, List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    /**
     * @param random the case's random
     * @param min    smallest
     * @param max    largest, included
     * @return a number in the range; its ends come up more often than the rest, as bugs sit there
     */
    public static int between(Random random, int min, int max) {
        return switch (weighted(random, 1, 1, 8)) {
            case 0 -> min;
            case 1 -> max;
            default -> min + random.nextInt(max - min + 1);
        };
    }

    /**
     * @param random    the case's random
     * @param alphabet  the characters to use
     * @param minLength shortest
     * @param maxLength longest
     * @return a string of those characters
     */
    public static String string(Random random, String alphabet, int minLength, int maxLength) {
        int length = between(random, minLength, maxLength);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    /**
     * @param random    the case's random
     * @param maxLength longest, in chars
     * @return any text: ASCII, any UTF-16 unit (lone surrogates included), characters outside the BMP, and the
     *         characters parsers and logs trip on
     */
    public static String anyString(Random random, int maxLength) {
        int length = between(random, 0, maxLength);
        StringBuilder text = new StringBuilder(length);
        while (text.length() < length) {
            if (random.nextInt(12) == 0) {
                text.appendCodePoint(0x10000 + random.nextInt(0x100000));
            } else {
                text.append(anyChar(random));
            }
        }
        return text.toString();
    }

    /**
     * @param random the case's random
     * @return any UTF-16 unit, often printable ASCII or one of the characters parsers and logs trip on
     */
    public static char anyChar(Random random) {
        return switch (weighted(random, 4, 3, 2)) {
            case 0 -> (char) (0x20 + random.nextInt(0x5F));
            case 1 -> (char) random.nextInt(0x10000);
            default -> pick(random, '\u0000', '\u001f', '\n', '\r', '\t', '\u007f', '\u0080', '\u0085', '\u009f',
                    '\u00a0', 'é', '\u2028', '\u2029', '\u202e', '\ud800', '\udbff', '\udc00', '\udfff', '\ufeff',
                    '\ufffd', '\ufffe', '\uffff');
        };
    }

    /**
     * One character replaced, inserted or deleted at a random place.
     *
     * @param random      the case's random
     * @param text        the text
     * @param interesting characters the input's grammar cares about, put in three times in four
     * @return the edited text
     */
    public static String edit(Random random, String text, char[] interesting) {
        char c = random.nextInt(4) < 3 ? interesting[random.nextInt(interesting.length)] : anyChar(random);
        int kind = random.nextInt(3);
        if (text.isEmpty()) {
            return kind == 2 ? text : String.valueOf(c);
        }
        int i = random.nextInt(text.length());
        return switch (kind) {
            case 0 -> text.substring(0, i) + c + text.substring(i + 1);
            case 1 -> text.substring(0, i) + c + text.substring(i);
            default -> text.substring(0, i) + text.substring(i + 1);
        };
    }

    /**
     * @param random    the case's random
     * @param maxLength longest
     * @return random bytes
     */
    public static byte[] bytes(Random random, int maxLength) {
        byte[] bytes = new byte[between(random, 0, maxLength)];
        random.nextBytes(bytes);
        return bytes;
    }

    /**
     * Makes one case.
     *
     * @param <T> the case's type
     */
    @FunctionalInterface
    public interface Generator<T> {
        /**
         * @param random seeded for this try alone
         * @return the case
         */
        T next(Random random);
    }

    /**
     * What must hold for every case.
     *
     * @param <T> the case's type
     */
    @FunctionalInterface
    public interface Property<T> {
        /**
         * @param value the case
         * @throws Exception when the case breaks the property (an {@link AssertionError} as well)
         */
        void check(T value) throws Exception;
    }

    private record Requirement(String label, String value, int atLeast) {
    }

    private record Failure(long caseSeed, Object value, Throwable cause) {
    }
}

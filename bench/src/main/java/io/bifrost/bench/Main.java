package io.bifrost.bench;

/**
 * {@code bin/bench <scenario> [options]}: runs a scenario, prints the table, writes the JSON report. Exit status 0
 * when it ran (whatever the verdicts), 2 for a bad command line, 1 when the run itself failed.
 */
public final class Main {
    private Main() {
    }

    /**
     * @param args the scenario, then options (see {@link Options#USAGE})
     */
    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            Report report = new Bench(options).run();
            report.print(System.out);
            report.write(options.out());
            System.out.println();
            System.out.println("report: " + options.out());
        } catch (Exception e) {
            System.err.println("bench: the run failed: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}

package io.bifrost.gateway.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records a logger, and every logger under it, publishes while a test runs, for tests of what reaches the log.
 * Closing it takes it off the logger and puts back the levels it changed.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
    // The loggers whose level was changed, with the level each had: held here, or JUL could forget the change.
    private final Map<Logger, Level> levelsBefore = new LinkedHashMap<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    /**
     * @param loggerName the logger, "" for the root: every record of the process
     * @return a capture, started
     */
    public static LogCapture on(String loggerName) {
        return new LogCapture(Logger.getLogger(loggerName));
    }

    /**
     * Sets a logger's level until this capture is closed.
     *
     * @param loggerName the logger
     * @param level      its level meanwhile
     * @return this
     */
    public LogCapture withLevel(String loggerName, Level level) {
        Logger target = Logger.getLogger(loggerName);
        levelsBefore.putIfAbsent(target, target.getLevel());
        target.setLevel(level);
        return this;
    }

    /**
     * @return the records so far, in the order they were published
     */
    public List<LogRecord> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        levelsBefore.forEach(Logger::setLevel);
    }
}

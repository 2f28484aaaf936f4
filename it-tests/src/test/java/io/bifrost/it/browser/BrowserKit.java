package io.bifrost.it.browser;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the {@code bifrost.js} browser tests share: headless Debian Chromium driven by chromedriver (both installed by
 * bin/setup), a page's {@code <pre id="log">}, screenshots, and a tiny web site for the pages.
 */
final class BrowserKit implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private final WebDriver driver;
    private final Path screenshots;

    private BrowserKit(WebDriver driver, Path screenshots) {
        this.driver = driver;
        this.screenshots = screenshots;
    }

    /**
     * @param dir a scratch directory (the throw-away profile; screenshots when no directory was configured)
     * @return a started headless Chromium
     */
    static BrowserKit start(Path dir) {
        assertTrue(new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
                "run bin/setup first: it installs chromium and chromium-driver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        // As BrowserFailoverIT: the flags this machine's closed network needs, headless, a throw-away profile.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1000,1000", "--user-data-dir=" + dir.resolve("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        return new BrowserKit(new ChromeDriver(service, options),
                Path.of(System.getProperty("bifrost.screenshots", dir.toString())));
    }

    void open(String url) {
        driver.get(url);
    }

    /** @return the text of the page's {@code <pre id="log">} */
    String log() {
        return driver.findElement(By.id("log")).getText();
    }

    /** Runs a script in the page (Selenium's executeScript: {@code return} gives the value back). */
    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits, bounded, until the page's log holds the line at least {@code times} times. */
    void awaitLine(String line, int times) throws InterruptedException {
        await(() -> log().lines().filter(line::equals).count() >= times,
                () -> "page never logged '" + line + "' " + times + "x; its log:\n" + log());
    }

    /** Waits, bounded, until a line of the page's log starts with the prefix. */
    void awaitLineStarting(String prefix) throws InterruptedException {
        await(() -> log().lines().anyMatch(l -> l.startsWith(prefix)),
                () -> "page never logged a line starting '" + prefix + "'; its log:\n" + log());
    }

    /** Waits, bounded, for a condition of the page. */
    static void await(BooleanSupplier condition, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            Thread.sleep(50);
        }
    }

    /** Keeps a picture of the page in the screenshots directory (it-tests/target/screenshots under Maven). */
    void screenshot(String name) throws IOException {
        Files.createDirectories(screenshots);
        Files.write(screenshots.resolve(name), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() {
        driver.quit();
    }

    /** A web site for test pages on 127.0.0.1, each request on its own virtual thread (a handler may block). */
    static HttpServer site() throws IOException {
        HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        site.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        return site;
    }

    /** A handler answering 200 with a fixed body. */
    static HttpHandler fixed(String type, String body) {
        return exchange -> respond(exchange, type, body.getBytes(StandardCharsets.UTF_8));
    }

    static void respond(HttpExchange exchange, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().add("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}

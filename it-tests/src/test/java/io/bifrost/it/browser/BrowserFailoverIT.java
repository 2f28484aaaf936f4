package io.bifrost.it.browser;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.GatewayProcesses;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bifrost's browser snippet, unchanged but for fetch in place of axios, in headless Chromium with the real
 * ReconnectingWebSocket from npm, against two gateway processes on one Redis behind a health-aware balancer: the
 * page gets a broadcast; its instance is sent SIGTERM; the page reconnects to the other and gets the next one.
 */
class BrowserFailoverIT {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    @Test
    void pageReconnectsToTheSurvivorAfterItsInstanceIsDrainedAndKeepsReceiving(@TempDir Path dir) throws Exception {
        Path rws = Path.of(System.getProperty("bifrost.rws", "missing"));
        assertTrue(Files.isRegularFile(rws) && new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
                "run bin/setup first: it installs chromium, chromium-driver and the reconnectingwebsocket package");
        Map<String, String> env = Map.of("JWT_SECRET", TestGateway.SECRET, "BIFROST_ENV", "production",
                "BIFROST_DRAIN_SECONDS", "2");
        try (RedisServer redis = RedisServer.start();
             GatewayProcesses gateways = GatewayProcesses.start(redis.url(), env, dir, "first", "second");
             HealthAwareBalancer balancer = new HealthAwareBalancer(gateways.uris())) {
            HttpServer site = site(rws, balancer.port());
            WebDriver browser = chromium(dir);
            try {
                browser.get("http://127.0.0.1:" + site.getAddress().getPort() + "/");
                awaitLog(browser, "subscribed user:1", 1);

                // Posted to the other instance than the page's. (The deliveries count may lag the subscription by
                // a quarter second across instances, so the page itself is the witness.)
                gateways.broadcast(1, "user:1", "new_item", "{\"id\":1}");
                awaitLog(browser, "new_item {\"id\":1}", 1);

                // The balancer sent the page to the first instance (the first ready one): drain it.
                gateways.process(0).destroy();
                assertTrue(gateways.process(0).waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, gateways.process(0).exitValue());
                awaitLog(browser, "closed", 1);
                awaitLog(browser, "reconnecting after 1012", 1);
                awaitLog(browser, "subscribed user:1", 2);

                gateways.broadcast(1, "user:1", "new_item", "{\"id\":2}");
                awaitLog(browser, "new_item {\"id\":2}", 1);
            } finally {
                Path shots = Path.of(System.getProperty("bifrost.screenshots", dir.toString()));
                Files.createDirectories(shots);
                Files.write(shots.resolve("browser-failover.png"),
                        ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
                browser.quit();
                site.stop(0);
            }
        }
    }

    private static void awaitLog(WebDriver browser, String line, int times) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String log = "";
        while (System.nanoTime() < deadline) {
            log = browser.findElement(By.id("log")).getText();
            if (log.lines().filter(l -> l.equals(line)).count() >= times) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("page never logged '" + line + "' " + times + "x; its log:\n" + log);
    }

    private static WebDriver chromium(Path dir) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        // The flags this machine's closed network needs (see the machine notes), headless, throw-away profile.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=900,600", "--user-data-dir=" + dir.resolve("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** Serves the page, the ReconnectingWebSocket script and the token endpoint the snippet calls. */
    private static HttpServer site(Path rws, int balancerPort) throws IOException {
        HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String page = PAGE.replace("@WS@", "ws://127.0.0.1:" + balancerPort);
        site.createContext("/", exchange -> respond(exchange, "text/html", page));
        site.createContext("/reconnecting-websocket.js",
                exchange -> respond(exchange, "application/javascript", Files.readString(rws)));
        site.createContext("/api/bifrost-token", exchange -> respond(exchange, "application/json",
                "{\"token\":\"" + TestGateway.tokens().subscribeToken(List.of("user:1"), Duration.ofMinutes(1)) + "\"}"));
        site.start();
        return site;
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, String type, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type + "; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    // The README's snippet; fetch replaces axios, and show() writes what console.log would into the page.
    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="UTF-8"><title>Bifrost snippet</title>
            <script src="/reconnecting-websocket.js"></script></head>
            <body><h1>Bifrost browser snippet</h1><pre id="log"></pre>
            <script>
              function show(line) { console.log(line); document.getElementById("log").textContent += line + "\\n"; }
              let ws = new ReconnectingWebSocket("@WS@/subscribe", null, {reconnectInterval: 500});
              let pingInterval;
              ws.onopen = function () {
                fetch("/api/bifrost-token").then((resp) => resp.json()).then((data) => {
                  ws.send(JSON.stringify({ event: "authenticate", data: data.token }));
                  pingInterval = setInterval(() => ws.send(JSON.stringify({ event: "ping" })), 10000);
                });
              };
              ws.onmessage = function (event) {
                const msg = JSON.parse(event.data);
                switch (msg.event) {
                  case "subscribed": show("subscribed " + JSON.parse(msg.data).channel); break;
                  case "pong": break;
                  default: show(msg.event + " " + JSON.stringify(JSON.parse(msg.data)));
                }
              };
              ws.onclose = function (event) { show("closed"); clearInterval(pingInterval); };
              // Not in the snippet: ReconnectingWebSocket reports the close code on its "connecting" event.
              ws.onconnecting = function (event) { if (event.code) { show("reconnecting after " + event.code); } };
            </script></body></html>
            """;
}

package com.acme.preview;

import URI;
import java.net.URL;
import HttpClient;
import HttpRequest;
import DriverManager;
import HttpServletRequest;
import HttpGet;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.client.RestTemplate;

public class PreviewController {
    private final RestTemplate rest = new RestTemplate();

    @GetMapping("/preview")
    public String preview(@RequestParam String url, @RequestParam String user) throws Exception {
        // ruleid: mergegate.java.ssrf
        String page = rest.getForObject(url, String.class);
        URL feed = new URL(url);
        // ruleid: mergegate.java.ssrf
        java.io.InputStream body = feed.openStream();
        // ok: mergegate.java.ssrf
        String host = new URL(url).getHost();
        // ok: mergegate.java.ssrf
        String profile = rest.getForObject(
            "https://api.github.com/users/" + URLEncoder.encode(user, StandardCharsets.UTF_8), String.class);
        return page + body + host + profile;
    }

    private static final java.util.Set<String> ALLOWED_HOSTS = java.util.Set.of("api.example.com");

    protected void doGet(HttpServletRequest request) throws Exception {
        String target = request.getParameter("target");
        URI uri = new URI(target);
        // ruleid: mergegate.java.ssrf
        HttpGet get = new HttpGet(uri);
        HttpClient client = HttpClient.newHttpClient();
        // ruleid: mergegate.java.ssrf
        HttpRequest req = HttpRequest.newBuilder(uri).build();
        // ruleid: mergegate.java.ssrf
        rest.getForObject("https://{host}/status", String.class, target);
        // ruleid: mergegate.java.ssrf
        DriverManager.getConnection(request.getParameter("jdbc"));
        String fixed = "https://api.example.com/items/" + target;
        // ok: mergegate.java.ssrf
        HttpRequest safe = HttpRequest.newBuilder(new URI(fixed)).build();
        if (ALLOWED_HOSTS.contains(target)) {
            // ok: mergegate.java.ssrf
            rest.getForObject("https://" + target + "/health", String.class);
        }
    }
}

package com.acme.partner;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import org.springframework.web.client.RestTemplate;

public class PartnerClient {
    private final RestTemplate rest = new RestTemplate();

    public void sync(String body) throws Exception {
        // ruleid: mergegate.java.plaintext-http
        rest.postForObject("http://partner-api.example.com/orders", body, String.class);
        // ruleid: mergegate.java.plaintext-http
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://inventory.acme.io/api/stock")).build();
        // ok: mergegate.java.plaintext-http
        HttpRequest secure = HttpRequest.newBuilder(URI.create("https://inventory.acme.io/api/stock")).build();
        // ok: mergegate.java.plaintext-http
        rest.getForObject("http://localhost:8080/actuator/health", String.class);
        HttpClient.newHttpClient().send(req, null);
        HttpClient.newHttpClient().send(secure, null);
    }
}

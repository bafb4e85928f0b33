package com.acme.web;

import java.io.PrintWriter;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.owasp.encoder.Encode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

public class GreetServlet {
    public void doGet(HttpServletRequest req, HttpServletResponse resp) throws Exception {
        String name = req.getParameter("name");
        PrintWriter out = resp.getWriter();
        // ruleid: mergegate.java.xss
        out.println("<h1>Hello " + name + "</h1>");
        // ruleid: mergegate.java.xss
        resp.getWriter().write(req.getParameter("bio"));
        // ok: mergegate.java.xss
        out.println("<h1>Hello " + Encode.forHtml(name) + "</h1>");
        // ok: mergegate.java.xss
        out.println("<p>Welcome</p>");
    }

    public void plain(HttpServletRequest req, HttpServletResponse resp) throws Exception {
        resp.setContentType("text/plain");
        // ok: mergegate.java.xss
        resp.getWriter().print(req.getParameter("q"));
    }
}

@RestController
class HelloController {
    @GetMapping("/hello")
    public String hello(String name) {
        // ruleid: mergegate.java.xss
        return "<h1>Hello " + name + "</h1>";
    }

    @GetMapping("/card")
    public ResponseEntity<String> card(String name) {
        // ruleid: mergegate.java.xss
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).body("<b>" + name + "</b>");
    }

    @GetMapping(value = "/api/hello", produces = MediaType.APPLICATION_JSON_VALUE)
    public String helloJson(String name) {
        // ok: mergegate.java.xss
        return "{\"name\": \"" + name + "\"}";
    }

    @GetMapping("/safe")
    public String safe(String name) {
        // ok: mergegate.java.xss
        return "<h1>Hello " + Encode.forHtml(name) + "</h1>";
    }
}

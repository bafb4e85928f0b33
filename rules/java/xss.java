package com.acme.web;

import java.io.PrintWriter;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.owasp.encoder.Encode;

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
}

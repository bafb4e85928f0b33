package com.acme.users;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.persistence.EntityManager;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

public class UserController {
    private Connection conn;
    private EntityManager em;

    public void doGet(HttpServletRequest req, HttpServletResponse resp) throws Exception {
        String name = req.getParameter("name");
        Statement st = conn.createStatement();
        // ruleid: mergegate.java.sql-injection, mergegate.java.sql-string-building
        ResultSet rs = st.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
        // ok: mergegate.java.sql-injection
        PreparedStatement ps = conn.prepareStatement("SELECT * FROM users WHERE name = ?");
        ps.setString(1, name);
        rs = ps.executeQuery();
    }

    @GetMapping("/users")
    public Object find(@RequestParam String sort, @RequestParam("id") long id) {
        String jpql = "SELECT u FROM User u ORDER BY " + sort;
        // ruleid: mergegate.java.sql-injection, mergegate.java.sql-string-building
        Object sorted = em.createQuery(jpql).getResultList();
        // ok: mergegate.java.sql-injection
        Object one = em.createQuery("SELECT u FROM User u WHERE u.id = :id").setParameter("id", id);
        return java.util.List.of(sorted, one);
    }

    public int purge(Statement st, String table) throws Exception {
        // ruleid: mergegate.java.sql-string-building
        return st.executeUpdate(String.format("DELETE FROM %s WHERE expired = 1", table));
    }

    public ResultSet byId(Connection c, String id) throws Exception {
        // ok: mergegate.java.sql-string-building
        PreparedStatement ps = c.prepareStatement("SELECT * FROM users WHERE id = ?");
        ps.setString(1, id);
        return ps.executeQuery();
    }

    private static final java.util.Set<String> SORTABLE = java.util.Set.of("name", "created");

    @GetMapping("/search")
    public Object search(String q, String sort, String page) throws Exception {
        StringBuilder sb = new StringBuilder();
        sb.append("SELECT * FROM items WHERE title LIKE '%");
        sb.append(q);
        sb.append("%'");
        // ruleid: mergegate.java.sql-injection, mergegate.java.sql-string-building
        conn.createStatement().executeQuery(sb.toString());
        if (SORTABLE.contains(sort)) {
            String ordered = "SELECT * FROM items ORDER BY " + sort;
            // ruleid: mergegate.java.sql-string-building
            conn.createStatement().executeQuery(ordered);
        }
        // ok: mergegate.java.sql-injection
        return conn.createStatement().executeQuery("SELECT * FROM items LIMIT 10 OFFSET " + Integer.parseInt(page));
    }

    public static void main(String[] args) throws Exception {
        String user = args[0];
        String q = "DELETE FROM sessions WHERE user_name = '" + user + "'";
        // ruleid: mergegate.java.sql-injection, mergegate.java.sql-string-building
        java.sql.DriverManager.getConnection("jdbc:h2:mem:").createStatement().executeUpdate(q);
    }
}

package com.acme.rules;

import javax.script.ScriptEngine;
import javax.script.ScriptEngineManager;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

public class RuleController {
    private final ExpressionParser parser = new SpelExpressionParser();
    private final ScriptEngine engine = new ScriptEngineManager().getEngineByName("js");

    @GetMapping("/rules/eval")
    public Object eval(@RequestParam String expr) throws Exception {
        // ruleid: mergegate.java.code-injection
        Expression e = parser.parseExpression(expr);
        // ok: mergegate.java.code-injection
        Expression fixed = parser.parseExpression("amount > 100");
        return e.getValue() + String.valueOf(fixed.getValue());
    }

    public Object discount(String customerTier) throws Exception {
        // ruleid: mergegate.java.script-engine-eval
        Object a = engine.eval("rate('" + customerTier + "')");
        engine.put("tier", customerTier);
        // ok: mergegate.java.script-engine-eval
        Object b = engine.eval("rate(tier)");
        return a.toString() + b;
    }
}

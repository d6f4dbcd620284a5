package com.example;

import com.example.bank.BankAccount;
import com.example.util.LruCache;
import java.math.BigDecimal;

/** Small demo that exercises the bank account and the cache. */
public final class App {

    private App() {}

    public static void main(String[] args) {
        BankAccount account = new BankAccount("Ana");
        account.deposit(new BigDecimal("120.00"), "salary");
        account.withdraw(new BigDecimal("35.50"), "groceries");
        try {
            account.withdraw(new BigDecimal("500.00"), "new bicycle");
        } catch (IllegalStateException e) {
            System.out.println("refused: " + e.getMessage());
        }
        for (BankAccount.Transaction t : account.getHistory()) {
            System.out.printf("%-10s %8s%n", t.description(), t.amount());
        }
        System.out.println("balance: " + account.getBalance());

        LruCache<String, Integer> cache = new LruCache<>(2);
        cache.put("one", 1);
        cache.put("two", 2);
        cache.get("one");
        cache.put("three", 3);
        System.out.println("two still cached? " + (cache.get("two") != null));
        System.out.printf("hit rate: %.2f%n", cache.hitRate());
    }
}

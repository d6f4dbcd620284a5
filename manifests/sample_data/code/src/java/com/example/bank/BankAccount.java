package com.example.bank;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A simple bank account that keeps a history of its transactions. */
public class BankAccount {

    public record Transaction(String description, BigDecimal amount) {}

    private final String owner;
    private BigDecimal balance = BigDecimal.ZERO;
    private final List<Transaction> history = new ArrayList<>();

    public BankAccount(String owner) {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("owner must not be blank");
        }
        this.owner = owner;
    }

    public void deposit(BigDecimal amount, String description) {
        requirePositive(amount);
        balance = balance.add(amount);
        history.add(new Transaction(description, amount));
    }

    public void withdraw(BigDecimal amount, String description) {
        requirePositive(amount);
        if (balance.compareTo(amount) < 0) {
            throw new IllegalStateException("insufficient funds for " + description);
        }
        balance = balance.subtract(amount);
        history.add(new Transaction(description, amount.negate()));
    }

    public BigDecimal getBalance() {
        return balance;
    }

    public String getOwner() {
        return owner;
    }

    public List<Transaction> getHistory() {
        return Collections.unmodifiableList(history);
    }

    private static void requirePositive(BigDecimal amount) {
        if (amount == null || amount.signum() <= 0) {
            throw new IllegalArgumentException("amount must be positive");
        }
    }
}

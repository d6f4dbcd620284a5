// Package retry runs an operation again with exponential backoff when it fails.
package retry

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Permanent wraps an error that should not be retried.
type Permanent struct{ Err error }

func (p Permanent) Error() string { return p.Err.Error() }
func (p Permanent) Unwrap() error { return p.Err }

// Policy describes how often and how long to wait between attempts.
type Policy struct {
	Attempts int
	Initial  time.Duration
	Max      time.Duration
}

// Do calls op until it succeeds, returns a Permanent error, the context ends,
// or the attempts are used up.
func Do(ctx context.Context, p Policy, op func(attempt int) error) error {
	if p.Attempts < 1 {
		return errors.New("retry: at least one attempt is required")
	}
	delay := p.Initial
	var last error
	for attempt := 1; attempt <= p.Attempts; attempt++ {
		last = op(attempt)
		if last == nil {
			return nil
		}
		var perm Permanent
		if errors.As(last, &perm) {
			return perm.Err
		}
		if attempt == p.Attempts {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("retry: gave up after %d attempts: %w", attempt, ctx.Err())
		case <-time.After(delay):
		}
		delay *= 2
		if p.Max > 0 && delay > p.Max {
			delay = p.Max
		}
	}
	return fmt.Errorf("retry: %d attempts failed, last error: %w", p.Attempts, last)
}

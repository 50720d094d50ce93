package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// TestQueue_StatsFollowDeliveries: a message that fails once is retried
// and then sent; one that always fails is given up after its attempts; a
// full queue drops. The figures count each.
func TestQueue_StatsFollowDeliveries(t *testing.T) {
	var calls atomic.Int64
	sender := SenderFunc(func(_ context.Context, m Message) error {
		if m.To == "never@example.com" || calls.Add(1) == 1 {
			return errors.New("smtp: try later")
		}
		return nil
	})
	q := NewQueue(sender, 1, slog.New(slog.DiscardHandler))
	q.SetBackoff(time.Millisecond)
	if !q.Enqueue(Message{To: "ann@example.com"}) {
		t.Fatal("the first message was refused")
	}
	if q.Enqueue(Message{To: "bob@example.com"}) {
		t.Fatal("a full queue took a second message")
	}
	if s := q.Stats(); s.Depth != 1 || s.Capacity != 1 || s.Dropped != 1 {
		t.Fatalf("before delivery: %+v", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	waitFor := func(want QueueStats) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for q.Stats() != want {
			if time.Now().After(deadline) {
				t.Fatalf("stats %+v, want %+v", q.Stats(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(QueueStats{Capacity: 1, Sent: 1, Failures: 1, Dropped: 1})
	if !q.Enqueue(Message{To: "never@example.com"}) {
		t.Fatal("an empty queue refused a message")
	}
	waitFor(QueueStats{Capacity: 1, Sent: 1, Failures: 1 + 2, GaveUp: 1, Dropped: 1})
}

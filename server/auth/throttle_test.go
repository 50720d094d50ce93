package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottle_RefillsAndStaysBounded(t *testing.T) {
	now := time.Now()
	th := newThrottle(2, time.Minute)
	if th.take("k", now) != 0 || th.take("k", now) != 0 {
		t.Fatal("the first two events were refused")
	}
	wait := th.take("k", now)
	if wait <= 0 || wait > 30*time.Second {
		t.Fatalf("third event: wait %v, want up to 30s", wait)
	}
	if th.take("k", now.Add(31*time.Second)) != 0 {
		t.Fatal("no refill after 31s")
	}
	if newThrottle(0, time.Minute).take("k", now) != 0 {
		t.Fatal("a disabled throttle refused")
	}
	for i := range maxBuckets + 10 {
		th.spend(fmt.Sprint("flood", i), now)
	}
	if n := len(th.buckets); n > maxBuckets {
		t.Fatalf("%d buckets kept", n)
	}
}

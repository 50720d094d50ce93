package signing

import (
	"context"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store/storetest"
)

// TestRotate_FromAClockBehindTheNewestKeyStillRotates: an instance whose
// clock is behind the one that made the signing key (another machine's,
// or this one set back) rotates. The new key must sign from then on: it
// was dated before the key in charge, so it was not the newest, and the
// rotation said done and changed nothing.
func TestRotate_FromAClockBehindTheNewestKeyStillRotates(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ahead := time.Now().UTC().Add(time.Hour)
	if _, err := Load(ctx, st, Config{AccessTTL: 5 * time.Minute, Now: func() time.Time { return ahead }}); err != nil {
		t.Fatal(err)
	}
	behind, err := Load(ctx, st, Config{AccessTTL: 5 * time.Minute, Now: func() time.Time { return ahead.Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	kid, err := behind.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := behind.current().signerKID; got != kid {
		t.Errorf("after rotating to %s, %s signs", kid, got)
	}
	stored, err := st.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stored[0].KID != kid {
		t.Errorf("the newest stored key is %s, not the one the rotation made (%s)", stored[0].KID, kid)
	}
}

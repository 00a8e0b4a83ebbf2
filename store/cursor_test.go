package store

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rawCursor builds a cursor from its parts, valid or not.
func rawCursor(version byte, micros int64, id [16]byte) string {
	var b [cursorBytes]byte
	b[0] = version
	binary.BigEndian.PutUint64(b[1:9], uint64(micros))
	copy(b[9:], id[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func TestCursorRoundTrip(t *testing.T) {
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{34}$`)
	tests := []struct {
		at time.Time
		id string
	}{
		{time.Date(2031, 3, 4, 5, 6, 7, 123456000, time.UTC), "3f2b8c1e-9d4a-4e6b-8c2d-1a2b3c4d5e6f"},
		{time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), "00000000-0000-0000-0000-000000000000"}, // negative micros
		{cursorMinTime, "ffffffff-ffff-ffff-ffff-ffffffffffff"},
		{cursorMaxTime, "0123abcd-4567-89ef-0123-456789abcdef"},
		{time.Unix(0, 0).UTC(), "7e4c6a0e-6f1f-4a53-9b6e-0d5b1b8f9a01"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		c := encodeCursor(Todo{ID: tt.id, CreatedAt: tt.at})
		if !urlSafe.MatchString(c) {
			t.Errorf("cursor %q is not 34 unpadded base64url characters", c)
		}
		if seen[c] {
			t.Errorf("two positions share the cursor %q", c)
		}
		seen[c] = true
		at, id, err := decodeCursor(c)
		if err != nil {
			t.Fatalf("decodeCursor(%q): %v", c, err)
		}
		if !at.Equal(tt.at) || at.Location() != time.UTC || id != tt.id {
			t.Errorf("cursor for (%v, %s) decodes to (%v, %s)", tt.at, tt.id, at, id)
		}
	}
	// Upper-case ids (as PostgreSQL could be handed them) give the same cursor.
	lower := encodeCursor(Todo{ID: tests[0].id, CreatedAt: tests[0].at})
	if upper := encodeCursor(Todo{ID: strings.ToUpper(tests[0].id), CreatedAt: tests[0].at}); upper != lower {
		t.Errorf("upper-case id gives cursor %q, lower-case %q", upper, lower)
	}
}

func TestDecodeCursorRefusesMalformed(t *testing.T) {
	id := [16]byte{0x3f, 0x2b, 0x8c, 0x1e, 0x9d, 0x4a, 0x4e, 0x6b, 0x8c, 0x2d, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f}
	micros := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC).UnixMicro()
	good := rawCursor(cursorVersion, micros, id)
	if _, _, err := decodeCursor(good); err != nil {
		t.Fatalf("the well-formed cursor is refused: %v", err)
	}
	// The last character carries 2 data bits and 4 that must be zero.
	lastBits := good[:33] + string(base64URLAlphabet[strings.IndexByte(base64URLAlphabet, good[33])|1])

	tests := []struct{ name, cursor string }{
		{"empty", ""},
		{"short word", "nope"},
		{"one character short", good[:33]},
		{"one character long", good + "A"},
		{"padded", good + "=="},
		{"standard alphabet +", "+" + good[1:]},
		{"standard alphabet /", good[:10] + "/" + good[11:]},
		{"space inside", good[:10] + " " + good[11:]},
		{"non-zero trailing bits", lastBits},
		{"version 0", rawCursor(0, micros, id)},
		{"version 2", rawCursor(2, micros, id)},
		{"year 10000", rawCursor(cursorVersion, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), id)},
		{"before year 1", rawCursor(cursorVersion, cursorMinTime.UnixMicro()-1, id)},
		{"largest int64", rawCursor(cursorVersion, 1<<63-1, id)},
		{"non-ASCII, 34 bytes", strings.Repeat("é", 17)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := decodeCursor(tt.cursor); !errors.Is(err, ErrBadCursor) {
				t.Errorf("decodeCursor(%q) err = %v, want ErrBadCursor", tt.cursor, err)
			}
		})
	}
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestOwnerLockKeyIsStable(t *testing.T) {
	// Every replica must compute the same key for an owner, or their creates
	// would not exclude each other: it is FNV-1a, never a per-process hash.
	tests := map[string]uint32{"": 0x811c9dc5, "a": 0xe40c292c, "foobar": 0xbf9cf968}
	for owner, want := range tests {
		if got := ownerLockKey(owner); got != int32(want) {
			t.Errorf("ownerLockKey(%q) = %#x, want FNV-1a %#x", owner, uint32(got), want)
		}
	}
}

package shop

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are argon2id cost parameters.
type PasswordParams struct {
	MemoryKiB  uint32
	Iterations uint32
	Threads    uint8
}

// OWASPParams is the OWASP Password Storage Cheat Sheet minimum for argon2id:
// 19 MiB, 2 iterations, 1 lane.
var OWASPParams = PasswordParams{MemoryKiB: 19 * 1024, Iterations: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// passwordHasher hashes and verifies argon2id passwords in PHC string format.
// Each hash holds MemoryKiB of memory, so at most one hash per CPU runs at a
// time: a burst of sign-ins queues instead of exhausting memory.
type passwordHasher struct {
	params PasswordParams
	slots  chan struct{}
}

func newPasswordHasher(p PasswordParams) *passwordHasher {
	return &passwordHasher{params: p, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

func (h *passwordHasher) key(password string, salt []byte, p PasswordParams) []byte {
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	return argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Threads, keyLen)
}

// hash returns "$argon2id$v=19$m=...,t=...,p=...$salt$key".
func (h *passwordHasher) hash(password string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := h.key(password, salt, h.params)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Iterations, h.params.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// verify reports whether password matches encoded, and whether encoded uses
// weaker parameters than the hasher's, so the caller should rehash.
func (h *passwordHasher) verify(password, encoded string) (ok, weak bool) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, false
	}
	got := h.key(password, salt, p)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false
	}
	weak = p.MemoryKiB < h.params.MemoryKiB || p.Iterations < h.params.Iterations ||
		p.Threads < h.params.Threads
	return true, weak
}

func parsePHC(encoded string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, fmt.Errorf("not an argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("argon2id parameters: %w", err)
	}
	if p.MemoryKiB == 0 || p.Iterations == 0 || p.Threads == 0 || p.MemoryKiB > 1<<21 || p.Iterations > 64 {
		return p, nil, nil, fmt.Errorf("argon2id parameters out of range")
	}
	enc := base64.RawStdEncoding
	if salt, err = enc.DecodeString(parts[4]); err != nil {
		return p, nil, nil, err
	}
	if key, err = enc.DecodeString(parts[5]); err != nil || len(key) == 0 {
		return p, nil, nil, fmt.Errorf("argon2id key: %v", err)
	}
	return p, salt, key, nil
}

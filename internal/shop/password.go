package shop

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
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

// Password strength, beyond the common-password list: NIST SP 800-63B-4
// (3.1.1.2) asks verifiers to refuse values that are commonly used, expected
// or context-specific, "repetitive or sequential characters" among them.
// zxcvbn (Wheeler, USENIX Security 2016) estimates how many guesses an
// attacker needs, knowing repeats, sequences, keyboard walks, dates, common
// words and passwords, and words of the account itself (its user inputs).
// github.com/trustelem/zxcvbn is a faithful Go port of zxcvbn 4.4.2, the
// reference's last release, whose scores match it; the port github.com/
// ccojocar/zxcvbn-go, released more recently, follows an older algorithm
// that rated "ababababababab" strong and 12 random digits weak. The port
// reads bytes, so repeats and sequences of other scripts ("жжжж…") are
// refused by rules of our own (repeatedOrSequential) before it.

// minPasswordScore is the zxcvbn score a password needs: 3 is "safely
// unguessable" (about 10^8 guesses and more), which passphrases of a few
// unrelated words and random 12-character passwords reach, and "iloveyou1234",
// "qwertyuiopas", "abcdefghijkl" or twelve of one character do not.
const minPasswordScore = 3

// strengthCheckedLen bounds the characters the estimator reads: its work
// grows faster than the length (a few ms at 32 characters, up to 35 ms at
// 64, 150 ms at 128), and a password whose first 32 characters are strong
// is strong.
const strengthCheckedLen = 32

// strengthSlots bounds the estimates that run at once to half the CPUs. An
// estimate runs before any limit applies (it is part of checking a form),
// so a flood of registration forms queues here instead of starving the
// sign-ins and pages that share the machine.
var strengthSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// guessableProblem returns a message for people saying why password is
// easy to guess, or "" when it is not. words are the account's context
// words (see contextWords).
func guessableProblem(password string, words []string) string {
	if m := repeatedOrSequential(password); m != "" {
		return m
	}
	if mostlyContextWords(password, words) {
		return passwordContextMessage
	}
	if runes := []rune(password); len(runes) > strengthCheckedLen {
		password = string(runes[:strengthCheckedLen])
	}
	strengthSlots <- struct{}{}
	result := zxcvbn.PasswordStrength(password, words)
	<-strengthSlots
	if result.Score >= minPasswordScore {
		return ""
	}
	// The reason is the kind of pattern that covers most of the password;
	// the account's own words count as a kind of their own, named first
	// on a tie, since the person can see them.
	covered := map[string]int{}
	for _, m := range result.Sequence {
		kind := m.Pattern
		if kind == "dictionary" && m.DictionaryName == "user_inputs" {
			kind = "context"
		}
		covered[kind] += m.J - m.I + 1
	}
	best, most := "", 0
	for _, kind := range []string{"context", "repeat", "sequence", "spatial", "date", "dictionary"} {
		if covered[kind] > most {
			best, most = kind, covered[kind]
		}
	}
	switch best {
	case "context":
		return passwordContextMessage
	case "repeat":
		return passwordRepeatMessage
	case "sequence":
		return passwordSequenceMessage
	case "spatial":
		return "Password is a pattern of neighbouring keys (like qwerty or asdf), which makes it easy to guess. Choose another."
	case "date":
		return "Password is mostly a date or a year, which makes it easy to guess. Choose another."
	case "dictionary":
		return "Password is made of common words or passwords, which makes it easy to guess. " +
			"Add words that are unusual together."
	}
	return "Password is too easy to guess. A few unrelated words you can remember make a strong password."
}

// Messages for people about passwords that are easy to guess.
const (
	passwordContextMessage = "Password is built from your name, your email address or the shop's name, " +
		"which makes it easy to guess. Choose another."
	passwordRepeatMessage = "Password repeats the same characters (like aaaa or abcabc), " +
		"which makes it easy to guess. Choose another."
	passwordSequenceMessage = "Password follows a sequence (like abcd or 1234), which makes it easy to guess. Choose another."
)

// repeatedOrSequential returns a message when the whole password is one
// to four characters repeated ("aaaa…", "abab…", twelve spaces, "жжжж…")
// or consecutive characters in order ("abcd…", "9876…", "αβγδ…"), in any
// script, or "".
func repeatedOrSequential(password string) string {
	runes := []rune(password)
	for unit := 1; unit <= 4 && 2*unit <= len(runes); unit++ {
		repeated := true
		for i := unit; i < len(runes) && repeated; i++ {
			repeated = runes[i] == runes[i-unit]
		}
		if repeated {
			return passwordRepeatMessage
		}
	}
	if len(runes) < 2 {
		return ""
	}
	step := runes[1] - runes[0]
	if step != 1 && step != -1 {
		return ""
	}
	for i := 2; i < len(runes); i++ {
		if runes[i]-runes[i-1] != step {
			return ""
		}
	}
	return passwordSequenceMessage
}

// minOwnChars is how many characters other than spaces and punctuation a
// password needs besides the account's context words: "gracehopper1906"
// for Grace Hopper has 4, which
// the estimator rates strong enough (it counts her name as a few guesses,
// but the year as a thousand), and which a guesser who knows her tries
// first.
const minOwnChars = 8

// mostlyContextWords reports whether password holds a context word and,
// once every context word is taken out of it, keeps fewer than
// minOwnChars characters other than spaces and punctuation.
func mostlyContextWords(password string, words []string) bool {
	rest := strings.ToLower(password)
	sorted := slices.Clone(words)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) }) // "lovelace" before "love"
	for _, w := range sorted {
		rest = strings.ReplaceAll(rest, w, " ")
	}
	if rest == strings.ToLower(password) {
		return false
	}
	own := 0
	for _, r := range rest {
		if !unicode.IsSpace(r) && !unicode.IsPunct(r) {
			own++
		}
	}
	return own < minOwnChars
}

// contextWords returns the words of an account that its password must not
// be built from, lower-cased, for the estimator's user inputs: each value
// whole (the shop's name, the email, the name) and split into its words
// ("ada.lovelace@example.com" gives ada, lovelace and example too). Words
// shorter than 3 characters are left out: every password holds some.
func contextWords(values ...string) []string {
	var words []string
	add := func(w string) {
		if utf8.RuneCountInString(w) >= 3 && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	for _, v := range values {
		v = strings.ToLower(v)
		add(v)
		for _, w := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(w)
		}
	}
	return words
}

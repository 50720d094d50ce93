package passkeys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// Service registers passkeys and checks their assertions, on the kit's
// store, with go-webauthn doing the WebAuthn verification.
type Service struct {
	store *store.Store
	auth  *auth.Service
	wa    *webauthn.WebAuthn // nil when the public URL cannot be a relying party
	off   error              // why wa is nil
	now   func() time.Time
	log   *slog.Logger
}

// NewService builds the service from what the kit lends a module. The
// relying party is the --public-url: its host is the RP ID and its origin
// the one origin assertions may come from. WebAuthn refuses IP addresses
// as RP IDs, so with a URL such as http://127.0.0.1:8080 passkeys are off
// (their endpoints say why); use http://localhost:8080 locally.
func NewService(k *httpapi.Kit) *Service {
	s := &Service{store: k.Store, auth: k.Auth, now: k.Now, log: k.Log}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if k.Auth == nil { // authkit openapi: never called
		s.off = errors.New("no auth service")
		return s
	}
	cfg := k.Auth.Config()
	s.wa, s.off = relyingParty(cfg.PublicURL, cfg.Issuer)
	if s.off != nil {
		s.log.Warn("passkeys are off", "reason", s.off)
	}
	return s
}

// relyingParty configures go-webauthn for the public URL: its host is the
// RP ID, its origin the one origin accepted (no wildcard), and that
// origin is https or http://localhost.
func relyingParty(publicURL, name string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(publicURL)
	if err != nil {
		return nil, err
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, fmt.Errorf("--public-url %s names an IP address; WebAuthn needs a host name such as localhost", publicURL)
	}
	// WebAuthn runs only in a secure context: https, or http on
	// localhost. Another plain-http origin is one no browser signs for,
	// so it is not accepted either.
	host := strings.ToLower(u.Hostname())
	if u.Scheme != "https" && host != "localhost" && !strings.HasSuffix(host, ".localhost") {
		return nil, fmt.Errorf("--public-url %s is plain http on a host other than localhost; WebAuthn needs https there", publicURL)
	}
	return webauthn.New(&webauthn.Config{
		RPID:          host, // as browsers spell it: in lower case
		RPDisplayName: name,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		// A passkey: kept on the authenticator (discoverable), unlocked
		// by the person (user verification), so it is a whole login.
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL},
		},
	})
}

var (
	errRefused      = shared.NewError(shared.CodeInvalidCredentials, "That passkey could not sign you in. Try again, or use your password.")
	errNotFound     = shared.NewError(shared.CodeNotFound, "There is no such passkey.")
	errSetupExpired = credentialError("This passkey setup has expired or was already used. Start again.")
	errUnreadable   = credentialError("The passkey your device sent could not be verified. Try again.")
	errRegistered   = credentialError("This passkey is already registered.")
)

func credentialError(msg string) error {
	return &shared.Error{Code: shared.CodeValidationFailed, Message: msg, Fields: map[string]string{"credential": msg}}
}

// available answers forbidden when passkeys are off on this server.
func (s *Service) available() error {
	if s.wa == nil {
		return shared.NewError(shared.CodeForbidden, "Passkeys are off on this server: its --public-url must name a host (such as localhost), not an IP address, and be https unless that host is localhost.")
	}
	return nil
}

// user is an account as go-webauthn sees it. Its handle is the user's id:
// opaque, stable and free of personal data, as WebAuthn asks.
type user struct {
	u     *store.User
	creds []webauthn.Credential
}

func (w user) WebAuthnID() []byte                         { return []byte(w.u.ID) }
func (w user) WebAuthnName() string                       { return w.u.Email }
func (w user) WebAuthnDisplayName() string                { return w.u.Name }
func (w user) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// loadUser reads an account and its credentials.
func (s *Service) loadUser(ctx context.Context, userID string) (user, []passkey, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return user{}, nil, err
	}
	list, err := passkeysOf(ctx, s.store.IDB(), userID)
	if err != nil {
		return user{}, nil, err
	}
	w := user{u: u}
	for i := range list {
		c, err := list[i].credential()
		if err != nil {
			return user{}, nil, err
		}
		w.creds = append(w.creds, c)
	}
	return w, list, nil
}

// begin stores a ceremony's session data and returns its options. A
// registration's caller is its user and session (only they finish it); a
// login has none, but its browser (a browserHash).
func (s *Service) begin(ctx context.Context, kind string, caller *auth.Principal, browser *string, options any, session *webauthn.SessionData) (sharedpasskeys.Options, error) {
	data, err := json.Marshal(session)
	if err != nil {
		return sharedpasskeys.Options{}, err
	}
	now := s.now().UTC()
	c := &ceremony{ID: uuid.Must(uuid.NewV7()).String(), Challenge: session.Challenge, Kind: kind,
		Session: string(data), CreatedAt: now, ExpiresAt: now.Add(ceremonyTTL), Browser: browser}
	if caller != nil {
		c.UserID, c.SessionID = &caller.UserID, &caller.SessionID
	}
	if err := saveCeremony(ctx, s.store, c); err != nil {
		return sharedpasskeys.Options{}, err
	}
	body, err := json.Marshal(options)
	if err != nil {
		return sharedpasskeys.Options{}, err
	}
	var out sharedpasskeys.Options
	return out, json.Unmarshal(body, &out)
}

// spend finds the ceremony a credential answers (by the challenge signed
// into its client data, and the browser's, when given) and spends it.
func (s *Service) spend(ctx context.Context, kind, challenge string, browser *string) (webauthn.SessionData, *ceremony, error) {
	var session webauthn.SessionData
	c, err := spendCeremony(ctx, s.store, kind, challenge, browser, s.now().UTC())
	if err != nil {
		return session, nil, err
	}
	return session, c, json.Unmarshal([]byte(c.Session), &session)
}

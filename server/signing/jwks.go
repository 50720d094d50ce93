package signing

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// JWK is one public key in a JSON Web Key Set (RFC 7517, RFC 8037 for
// Ed25519).
type JWK struct {
	KeyType   string `json:"kty" const:"OKP"`
	Curve     string `json:"crv" const:"Ed25519"`
	X         string `json:"x" doc:"The public key, base64url without padding."`
	KeyID     string `json:"kid" doc:"The key's RFC 7638 thumbprint; access tokens name it in their header."`
	Use       string `json:"use" const:"sig"`
	Algorithm string `json:"alg" const:"EdDSA"`
}

// JWKS is the document served at /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// SchemaDescription describes the types in the OpenAPI document.
func (JWK) SchemaDescription() string  { return "An Ed25519 public key (RFC 8037)." }
func (JWKS) SchemaDescription() string { return "A JSON Web Key Set (RFC 7517)." }

func (k *keyring) jwks() JWKS {
	set := JWKS{Keys: []JWK{}}
	for kid, pub := range k.public {
		set.Keys = append(set.Keys, JWK{
			KeyType: "OKP", Curve: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub),
			KeyID: kid, Use: "sig", Algorithm: signingAlg,
		})
	}
	slices.SortFunc(set.Keys, func(a, b JWK) int { return strings.Compare(a.KeyID, b.KeyID) })
	return set
}

// keyID is the RFC 7638 JWK thumbprint of an Ed25519 public key, so a key
// id is derived from the key and cannot collide by accident.
func keyID(pub ed25519.PublicKey) string {
	canonical := fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, base64.RawURLEncoding.EncodeToString(pub))
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

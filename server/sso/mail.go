package sso

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"strings"

	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/store"
)

//go:embed templates
var templateFS embed.FS

// templates are the module's mails: an account was connected or
// disconnected. Both go to the account's address, so its owner learns of a
// change they did not make (OWASP ASVS 2.5.5 / 3.x notifications).
var templates = mail.MustParseTemplates(mustSub(templateFS, "templates"))

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// notify mails u that a provider account was connected or disconnected
// (template identity_connected or identity_disconnected), once the change
// has committed; its security event was recorded with the change. A mail
// that cannot be queued is logged: the change itself stands.
func (h *handlers) notify(ctx context.Context, template string, u *store.User, id *identity) {
	cfg := h.kit.Auth.Config()
	name := h.providerName(id.Provider)
	m, err := templates.Render(template, u.Email, struct{ Name, A, Provider, Account, Link string }{
		u.Name, article(name), name, id.Email, cfg.PublicURL + "/profile",
	})
	if err == nil && !cfg.Mailer.Enqueue(m) {
		err = errQueueFull
	}
	if err != nil {
		h.kit.Log.ErrorContext(ctx, "mail not queued", "template", template, "user_id", u.ID, "err", err)
	}
}

var errQueueFull = errors.New("mail queue full")

// article is "A" or "An" before a provider's name, by its first letter:
// "A GitHub account", "An Okta account". (A guess for names such as
// "Uber", which is all a configured name allows.)
func article(name string) string {
	if name != "" && strings.ContainsRune("AEIOUaeiou", rune(name[0])) {
		return "An"
	}
	return "A"
}

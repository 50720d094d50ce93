package auth

import (
	"context"

	"github.com/authkit/authkit/server/mail"
)

// Notify mails a user a notice about their account's security, from the
// templates of package mail (two_factor_on, two_factor_off,
// passkey_added…), so someone who did not make the change hears of it
// (OWASP ASVS 2.2.3). The templates get the user's Name, a Link to their
// profile and Detail. A mail that cannot be queued is logged, not
// returned: the change it reports has already happened.
func (s *Service) Notify(ctx context.Context, userID, template, detail string) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "security notice not sent", "template", template, "user_id", userID, "err", err)
		return
	}
	m, err := mail.Render(template, u.Email, struct{ Name, Link, Detail string }{u.Name, s.cfg.PublicURL + "/profile", detail})
	if err == nil && !s.cfg.Mailer.Enqueue(m) {
		err = errMailQueueFull
	}
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "security notice not sent", "template", template, "user_id", userID, "err", err)
	}
}

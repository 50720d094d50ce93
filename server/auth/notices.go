package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/shared"
)

// Notices are the mails that tell an account's owner about something
// they may not have done themselves: a sign-in from a new device, a
// password change, an email change under way. They go out after the
// change has been committed; one that cannot be queued is logged, never
// an error for the request, which already did its work.

// NoticeSettings turn notices off; the zero value sends them all.
type NoticeSettings struct {
	NoNewSignIn       bool // "New sign-in to your account", for a device not seen on the account in 90 days
	NoPasswordChanged bool // "Your password was changed", after a change or a reset
	NoEmailChange     bool // "Your email is being changed", to the old address
}

// notifier renders and queues notices and the kit's other account mails.
type notifier struct {
	mailer    Mailer
	publicURL string
	settings  NoticeSettings
	log       *slog.Logger
}

func newNotifier(cfg Config) *notifier {
	return &notifier{mailer: cfg.Mailer, publicURL: cfg.PublicURL, settings: cfg.Notices, log: cfg.Logger}
}

// noticeData is what the notice templates read.
type noticeData struct {
	Name     string
	Email    string // the new address, for an email change to a confirmed address
	Device   string // "Chrome on Linux"
	IP       string
	When     string // in UTC: the server does not know the reader's zone
	Link     string // where to act: the sessions list, the profile
	ByStaff  bool   // for the goodbye: staff deleted the account
	LinkText string
}

// send queues the template to the address, logging a failure.
func (n *notifier) send(ctx context.Context, template, to string, data noticeData) {
	if err := n.queue(template, to, data); err != nil {
		n.log.ErrorContext(ctx, "mail not queued", "template", template, "err", err)
	}
}

func (n *notifier) queue(template, to string, data any) error {
	m, err := mail.Render(template, to, data)
	if err != nil {
		return err
	}
	if !n.mailer.Enqueue(m) {
		return errors.New("mail queue full")
	}
	return nil
}

// newSignIn tells the owner about a sign-in from a device the account
// has not seen lately.
func (n *notifier) newSignIn(ctx context.Context, name, email string, client Client, at time.Time) {
	if n.settings.NoNewSignIn {
		return
	}
	n.send(ctx, "new_sign_in", email, noticeData{
		Name: name, Device: shared.DescribeUserAgent(client.UserAgent), IP: client.IP,
		When: at.UTC().Format("2 Jan 2006, 15:04 UTC"), Link: n.publicURL + "/profile#sessions",
	})
}

// passwordChanged tells the owner their password changed (or was reset).
func (n *notifier) passwordChanged(ctx context.Context, name, email string, at time.Time) {
	if n.settings.NoPasswordChanged {
		return
	}
	n.send(ctx, "password_changed", email, noticeData{
		Name: name, Device: shared.DescribeUserAgent(ClientFrom(ctx).UserAgent), IP: ClientFrom(ctx).IP,
		When: at.UTC().Format("2 Jan 2006, 15:04 UTC"), Link: n.publicURL + "/forgot-password",
	})
}

// emailChanging tells the old address that the account is moving to
// another one, before anything changes. An old address never confirmed
// (oldVerified false) may be a typo that reaches a stranger: it still gets
// the warning, since it may be the owner's, but without the new address,
// the device or the network, which a stranger must not learn (the account's
// existence they learnt from the confirmation mail already).
func (n *notifier) emailChanging(ctx context.Context, name, oldEmail string, oldVerified bool, newEmail string) {
	if n.settings.NoEmailChange {
		return
	}
	// "Reset it now" leads the owner to the reset form, which works even
	// if the intruder has changed the password too; a stranger reading a
	// mistyped address is not shown the way to take the account.
	data := noticeData{Name: name, Link: n.publicURL + "/profile#security"}
	if oldVerified {
		data.Email, data.Device, data.IP = newEmail, shared.DescribeUserAgent(ClientFrom(ctx).UserAgent), ClientFrom(ctx).IP
		data.Link = n.publicURL + "/forgot-password"
	}
	n.send(ctx, "email_change_notice", oldEmail, data)
}

// deviceKey names a device loosely enough that a sign-in from the same
// browser on the same network is not news: the browser family and system,
// and the client's /24 (IPv4) or /48 (IPv6) network.
func deviceKey(userAgent, ip string) string {
	return shared.DescribeUserAgent(userAgent) + "|" + ipPrefix(ip)
}

func ipPrefix(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return ip
	}
	return p.String()
}

// goodbye tells a deleted account's owner that it is gone: the last mail
// the kit sends them.
func (n *notifier) goodbye(ctx context.Context, name, email string, byStaff bool) {
	n.send(ctx, "account_deleted", email, noticeData{Name: name, ByStaff: byStaff})
}

package mail

import (
	"bytes"
	"fmt"
	"html"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"text/template/parse"
)

// Mail templates are written in Go's template syntax and parsed by Go's
// parser (text/template/parse), but run by the small executor in this
// file rather than by text/template or html/template. Those can call any
// method by name through reflection, and a program that links such a call
// makes the linker keep every exported method of every type it has: they
// made the server binary 5.4 MB (18%) bigger, for a dozen mails. The mails
// need fields ({{.Name}}, {{.A.B}}) and {{if}}/{{else if}}/{{else}}; a
// template that uses anything else fails to parse, when the package that
// embeds it loads, so no test run misses it.
//
// In an HTML template every value is escaped for HTML, and a value may
// stand only where that is enough: in text, or in a quoted attribute value
// (html/template's rules for those contexts). A value at the start of a
// link (href, src) must be an http(s) or mailto URL, or it becomes "#".

// Templates are a set of mail templates: for each mail, name.txt (plain
// text, its first line "Subject: …") and name.html. The kit's are in
// server/mail/templates; a module that mails its own news embeds its
// templates and parses them once with MustParseTemplates.
type Templates struct {
	byFile map[string]*mailTemplate // "verify_email.txt"
}

// mailTemplate is one parsed file.
type mailTemplate struct {
	tree *parse.Tree
	html bool
	urls map[*parse.ActionNode]bool // the values that start a link, in an HTML template
}

// ParseTemplates reads every *.txt and *.html at the root of fsys.
func ParseTemplates(fsys fs.FS) (*Templates, error) {
	t := &Templates{byFile: map[string]*mailTemplate{}}
	for _, pattern := range []string{"*.txt", "*.html"} {
		names, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		for _, name := range names {
			src, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("mail: %w", err)
			}
			mt, err := parseTemplate(name, string(src))
			if err != nil {
				return nil, fmt.Errorf("mail: %w", err)
			}
			t.byFile[name] = mt
		}
	}
	return t, nil
}

// MustParseTemplates is ParseTemplates for templates embedded in the
// binary, where a failure is a programming error: it panics.
func MustParseTemplates(fsys fs.FS) *Templates {
	t, err := ParseTemplates(fsys)
	if err != nil {
		panic(err)
	}
	return t
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Render builds the message of the templates named name.
func (t *Templates) Render(name, to string, data any) (Message, error) {
	text, err := t.execute(name+".txt", data)
	if err != nil {
		return Message{}, err
	}
	html, err := t.execute(name+".html", data)
	if err != nil {
		return Message{}, err
	}
	subject, body, ok := strings.Cut(text, "\n")
	if !ok || !strings.HasPrefix(subject, "Subject: ") {
		return Message{}, fmt.Errorf("mail: template %s.txt must start with a Subject: line", name)
	}
	return Message{
		To:      to,
		Subject: strings.TrimPrefix(subject, "Subject: "),
		Text:    strings.TrimLeft(body, "\n"),
		HTML:    html,
	}, nil
}

func (t *Templates) execute(file string, data any) (string, error) {
	mt := t.byFile[file]
	if mt == nil {
		return "", fmt.Errorf("mail: no template %s", file)
	}
	var out bytes.Buffer
	if err := mt.run(&out, reflect.ValueOf(data), mt.tree.Root); err != nil {
		return "", fmt.Errorf("mail: template %s: %w", file, err)
	}
	return out.String(), nil
}

// parseTemplate parses one file and checks that the executor can run it.
func parseTemplate(name, src string) (*mailTemplate, error) {
	// No functions are given, so the parser itself refuses calls
	// ({{printf …}}, {{len …}}).
	trees, err := parse.Parse(name, src, "", "")
	if err != nil {
		return nil, err
	}
	if len(trees) != 1 || trees[name] == nil {
		return nil, fmt.Errorf("%s: {{define}} and {{block}} are not supported in mail templates", name)
	}
	mt := &mailTemplate{tree: trees[name], html: path.Ext(name) == ".html", urls: map[*parse.ActionNode]bool{}}
	var at htmlContext
	if err := mt.check(mt.tree.Root, &at); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return mt, nil
}

// check refuses what the executor cannot run and, in an HTML template, a
// value where escaping it is not enough. at follows the HTML around it.
func (mt *mailTemplate) check(node parse.Node, at *htmlContext) error {
	switch n := node.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			if err := mt.check(c, at); err != nil {
				return err
			}
		}
	case *parse.TextNode:
		at.read(n.Text)
	case *parse.CommentNode:
	case *parse.ActionNode:
		if _, err := pipeField(n.Pipe); err != nil {
			return err
		}
		if !mt.html {
			return nil
		}
		switch at.state {
		case inText:
		case inValue:
			if at.attr == "style" || strings.HasPrefix(at.attr, "on") {
				return fmt.Errorf("%s: a value may not stand in a style or an event handler attribute (%s)", n, at.attr)
			}
			mt.urls[n] = at.valueEmpty && (at.attr == "href" || at.attr == "src")
			at.valueEmpty = false
		default:
			return fmt.Errorf("%s: a value may only stand in text or in a quoted attribute value (it is %s)", n, at.state)
		}
	case *parse.IfNode:
		if _, err := pipeField(n.Pipe); err != nil {
			return err
		}
		// Both branches start where the {{if}} is and must end in the
		// same place, or what follows could be read two ways.
		before := *at
		if err := mt.check(n.List, at); err != nil {
			return err
		}
		if n.ElseList != nil {
			afterIf := *at
			*at = before
			if err := mt.check(n.ElseList, at); err != nil {
				return err
			}
			if *at != afterIf {
				return fmt.Errorf("%s: its branches end in different places of the HTML", n)
			}
		} else if *at != before {
			return fmt.Errorf("%s: it leaves the HTML in another place than it found it", n)
		}
	default:
		return fmt.Errorf("%s is not supported in mail templates: only {{.Field}} and {{if}}/{{else}}", node)
	}
	return nil
}

// pipeField returns the field a pipeline names, the only pipeline the
// executor runs: {{.Name}}, not {{$x := .Name}}, {{.Name | f}} or {{3}}.
func pipeField(pipe *parse.PipeNode) (*parse.FieldNode, error) {
	if len(pipe.Decl) == 0 && len(pipe.Cmds) == 1 && len(pipe.Cmds[0].Args) == 1 {
		if f, ok := pipe.Cmds[0].Args[0].(*parse.FieldNode); ok {
			return f, nil
		}
	}
	return nil, fmt.Errorf("{{%s}} is not supported in mail templates: only a field, such as {{.Name}}", pipe)
}

// run writes node with data.
func (mt *mailTemplate) run(out *bytes.Buffer, data reflect.Value, node parse.Node) error {
	switch n := node.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			if err := mt.run(out, data, c); err != nil {
				return err
			}
		}
	case *parse.TextNode:
		out.Write(n.Text)
	case *parse.ActionNode:
		v, err := lookup(data, n.Pipe)
		if err != nil {
			return err
		}
		s := fmt.Sprint(v.Interface())
		if mt.html {
			if mt.urls[n] && !safeURL(s) {
				s = "#"
			}
			s = html.EscapeString(s)
		}
		out.WriteString(s)
	case *parse.IfNode:
		v, err := lookup(data, n.Pipe)
		if err != nil {
			return err
		}
		if truth(v) {
			return mt.run(out, data, n.List)
		}
		if n.ElseList != nil {
			return mt.run(out, data, n.ElseList)
		}
	}
	return nil
}

// lookup follows the pipeline's field through structs, pointers and maps
// with string keys.
func lookup(data reflect.Value, pipe *parse.PipeNode) (reflect.Value, error) {
	f, err := pipeField(pipe)
	if err != nil {
		return reflect.Value{}, err
	}
	v := data
	for _, name := range f.Ident {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return reflect.Value{}, fmt.Errorf("%s: nil before .%s", f, name)
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Struct:
			sf, ok := v.Type().FieldByName(name)
			if !ok || !sf.IsExported() {
				return reflect.Value{}, fmt.Errorf("%s: %s has no field %s", f, v.Type(), name)
			}
			if v, err = v.FieldByIndexErr(sf.Index); err != nil {
				return reflect.Value{}, fmt.Errorf("%s: %w", f, err)
			}
		case reflect.Map:
			if v.Type().Key().Kind() != reflect.String {
				return reflect.Value{}, fmt.Errorf("%s: %s is not keyed by strings", f, v.Type())
			}
			if e := v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key())); e.IsValid() {
				v = e
			} else {
				v = reflect.Zero(v.Type().Elem())
			}
		default:
			return reflect.Value{}, fmt.Errorf("%s: %s has no fields", f, v.Type())
		}
	}
	return v, nil
}

// truth is text/template's: false, 0, nil, and empty strings, slices and
// maps are false; anything else is true.
func truth(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Invalid:
		return false
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() > 0
	case reflect.Chan, reflect.Func, reflect.Interface, reflect.Pointer, reflect.UnsafePointer:
		return !v.IsNil()
	case reflect.Struct:
		return true
	default:
		return !v.IsZero()
	}
}

// safeURL reports whether a link's value may stay: an http(s) or mailto
// URL, as html/template allows.
func safeURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || strings.ContainsAny(scheme, "/?#") {
		return true // no scheme: a relative URL
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// htmlContext is where a reader of an HTML template has got to: enough of
// the HTML tokenizer to tell text and quoted attribute values, where an
// escaped value is safe, from the rest (inside a tag, an unquoted value, a
// comment, a script or a style), where it is not.
type htmlContext struct {
	state      htmlState
	tag        string // the open tag's name, lower case
	attr       string // the attribute being read, lower case
	quote      byte   // the quote of the value being read
	valueEmpty bool   // no byte of the value read yet
}

type htmlState uint8

const (
	inText     htmlState = iota
	inTag                // between a tag's attributes
	inValue              // in a quoted attribute value
	inUnquoted           // in an unquoted attribute value
	inComment            // <!-- … -->
	inRawText            // the content of a script, style, textarea or title
)

func (s htmlState) String() string {
	return [...]string{"text", "inside a tag", "a quoted value", "an unquoted attribute value", "a comment", "raw text"}[s]
}

// read moves the context over text.
func (c *htmlContext) read(text []byte) {
	s := string(text)
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch c.state {
		case inText:
			switch {
			case strings.HasPrefix(s[i:], "<!--"):
				c.state, i = inComment, i+3
			case b == '<':
				name := tagName(s[i+1:])
				if name == "" {
					break // "a < b" is text
				}
				c.state, c.tag, c.attr = inTag, strings.ToLower(name), ""
				if strings.HasPrefix(name, "/") {
					c.tag = "" // a closing tag opens no raw text
				}
				i += len(name)
			}
		case inComment:
			if strings.HasPrefix(s[i:], "-->") {
				c.state, i = inText, i+2
			}
		case inTag:
			switch {
			case b == '>':
				c.state, c.attr = inText, ""
				switch c.tag {
				case "script", "style", "textarea", "title":
					c.state = inRawText // until its end tag
				default:
					c.tag = ""
				}
			case b == '"' || b == '\'':
				c.state, c.quote, c.valueEmpty = inValue, b, true
			case b == '=' || b == '/' || isSpace(b):
			case c.attr != "" && strings.HasSuffix(strings.TrimRight(s[:i], " \t\n\r\f"), "="):
				c.state = inUnquoted
			default:
				name := tagName(s[i:])
				c.attr = strings.ToLower(name)
				i += len(name) - 1
			}
		case inValue:
			if b == c.quote {
				c.state, c.attr, c.quote, c.valueEmpty = inTag, "", 0, false
			} else {
				c.valueEmpty = false
			}
		case inUnquoted:
			if isSpace(b) || b == '>' {
				c.state = inTag
				i--
			}
		case inRawText:
			if len(s) >= i+2+len(c.tag) && strings.EqualFold(s[i:i+2+len(c.tag)], "</"+c.tag) {
				c.state, i = inTag, i+1+len(c.tag)
				c.tag = ""
			}
		}
	}
}

// tagName is the name at the start of s: a tag's or an attribute's.
func tagName(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return isSpace(byte(r)) || strings.ContainsRune("=>/\"'", r) })
	if end == 0 && strings.HasPrefix(s, "/") { // a closing tag
		return "/" + tagName(s[1:])
	}
	if end < 0 {
		return s
	}
	return s[:end]
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }

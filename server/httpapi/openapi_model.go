package httpapi

import "encoding/json"

// The OpenAPI 3.1 objects the document is made of, with only the fields
// it sets. The server only ever writes the document, and for that
// kin-openapi's model, with the YAML and JSON Schema libraries it brings,
// cost over 2 MB of the binary. The tests still load and validate the
// document with kin-openapi (openapi_test.go), where it costs the binary
// nothing.
//
// encoding/json writes a struct's fields in the order they are declared,
// and a map's keys sorted. The document's members are declared in the
// order people read them; every other struct declares its fields in the
// alphabetical order of their JSON names, so every key below the top
// level is written sorted, as kin-openapi wrote them, and diffs of
// docs/openapi.json stay stable (openapi_model_test.go holds the structs
// to it). Fields are omitted when empty, but for those that must always
// be written.

// openAPIDocument is the document's root (the OpenAPI Object).
type openAPIDocument struct {
	OpenAPI    string                     `json:"openapi"`
	Info       openAPIInfo                `json:"info"`
	Servers    []openAPIServer            `json:"servers,omitempty"`
	Tags       []openAPITag               `json:"tags,omitempty"`
	Paths      map[string]openAPIPathItem `json:"paths"`
	Components openAPIComponents          `json:"components"`
}

type openAPIInfo struct {
	Description string          `json:"description,omitempty"`
	License     *openAPILicense `json:"license,omitempty"`
	Summary     string          `json:"summary,omitempty"`
	Title       string          `json:"title"`
	Version     string          `json:"version"`
}

type openAPILicense struct {
	Identifier string `json:"identifier,omitempty"` // an SPDX expression
	Name       string `json:"name"`
}

type openAPIServer struct {
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
}

type openAPITag struct {
	Description string `json:"description,omitempty"`
	Name        string `json:"name"`
}

// openAPIPathItem holds a path's operations by lower-case method ("get",
// "post"), the names of a Path Item's fields.
type openAPIPathItem map[string]*openAPIOperation

type openAPIOperation struct {
	Description string                      `json:"description,omitempty"`
	OperationID string                      `json:"operationId,omitempty"`
	Parameters  []openAPIParameter          `json:"parameters,omitempty"`
	RequestBody *openAPIRequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*openAPIResponse `json:"responses,omitempty"` // by status
	// Security is written even when empty: `security: []` says the
	// operation needs no credentials.
	Security []openAPISecurityRequirement `json:"security,omitzero"`
	Summary  string                       `json:"summary,omitempty"`
	Tags     []string                     `json:"tags,omitempty"`
}

type openAPIParameter struct {
	Description string         `json:"description,omitempty"`
	In          string         `json:"in"` // "path" or "query"
	Name        string         `json:"name"`
	Required    bool           `json:"required,omitempty"`
	Schema      *openAPISchema `json:"schema,omitempty"`
}

type openAPIRequestBody struct {
	Content  map[string]openAPIMediaType `json:"content"` // by media type
	Required bool                        `json:"required,omitempty"`
}

// openAPIResponse is a response, or with only Ref set a reference to one
// of the components.
type openAPIResponse struct {
	Ref         string                      `json:"$ref,omitempty"`
	Content     map[string]openAPIMediaType `json:"content,omitempty"` // by media type
	Description string                      `json:"description,omitempty"`
	Headers     map[string]*openAPIHeader   `json:"headers,omitempty"`
}

// openAPIHeader is a response header, or with only Ref set a reference to
// one of the components.
type openAPIHeader struct {
	Ref         string         `json:"$ref,omitempty"`
	Description string         `json:"description,omitempty"`
	Schema      *openAPISchema `json:"schema,omitempty"`
}

type openAPIMediaType struct {
	Schema *openAPISchema `json:"schema,omitempty"`
}

// openAPISchema is a JSON Schema (2020-12, the dialect of OpenAPI 3.1),
// or with only Ref set a reference to one of the components. The empty
// schema allows any JSON value.
type openAPISchema struct {
	Ref string `json:"$ref,omitempty"`
	// AdditionalProperties is false (no other properties), or the
	// *openAPISchema of every other property's value.
	AdditionalProperties any                       `json:"additionalProperties,omitempty"`
	AllOf                []*openAPISchema          `json:"allOf,omitempty"`
	AnyOf                []*openAPISchema          `json:"anyOf,omitempty"`
	Const                string                    `json:"const,omitempty"`
	ContentEncoding      string                    `json:"contentEncoding,omitempty"`
	Description          string                    `json:"description,omitempty"`
	Enum                 []string                  `json:"enum,omitempty"`
	Format               string                    `json:"format,omitempty"`
	Items                *openAPISchema            `json:"items,omitempty"`
	MaxLength            *uint64                   `json:"maxLength,omitempty"`
	MaxProperties        *uint64                   `json:"maxProperties,omitempty"`
	Maximum              *float64                  `json:"maximum,omitempty"`
	MinLength            uint64                    `json:"minLength,omitempty"` // 0 is the default
	Minimum              *float64                  `json:"minimum,omitempty"`
	Properties           map[string]*openAPISchema `json:"properties,omitempty"`
	Required             []string                  `json:"required,omitempty"`
	Type                 jsonTypes                 `json:"type,omitempty"`
}

// jsonTypes are the JSON types a schema allows: written as a string when
// there is one ("string"), else as an array (["string", "null"]).
type jsonTypes []string

func (t jsonTypes) MarshalJSON() ([]byte, error) {
	if len(t) == 1 {
		return json.Marshal(t[0])
	}
	return json.Marshal([]string(t))
}

// openAPIComponents are the objects operations refer to, by name.
type openAPIComponents struct {
	Headers         map[string]*openAPIHeader        `json:"headers,omitempty"`
	Responses       map[string]*openAPIResponse      `json:"responses,omitempty"`
	Schemas         map[string]*openAPISchema        `json:"schemas,omitempty"`
	SecuritySchemes map[string]openAPISecurityScheme `json:"securitySchemes,omitempty"`
}

type openAPISecurityScheme struct {
	BearerFormat string `json:"bearerFormat,omitempty"`
	Description  string `json:"description,omitempty"`
	In           string `json:"in,omitempty"`     // of an apiKey: "header" or "cookie"
	Name         string `json:"name,omitempty"`   // of an apiKey: the header's or cookie's
	Scheme       string `json:"scheme,omitempty"` // of an http scheme: "bearer"
	Type         string `json:"type"`
}

// openAPISecurityRequirement names the security schemes that together
// authenticate a request, each with its scopes (none: scopes are
// OAuth's).
type openAPISecurityRequirement map[string][]string

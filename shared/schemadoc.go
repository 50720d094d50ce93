package shared

// What each wire type is, for the OpenAPI document, which names a schema
// after its Go type and takes its description from this method
// (server/httpapi finds it by name). The fields describe themselves in
// their tags: doc (the description), format, minLength, maxLength,
// minimum, const, and required or nullable where the Go type alone would
// mislead.

// SchemaDescription describes User in the OpenAPI document.
func (User) SchemaDescription() string {
	return "The public view of an account; it never carries password material."
}

// SchemaDescription describes LoginRequest in the OpenAPI document.
func (LoginRequest) SchemaDescription() string {
	return "The password rules are not applied, so accounts made before a rule changed can still log in."
}

// SchemaDescription describes TokenPair in the OpenAPI document.
func (TokenPair) SchemaDescription() string {
	return "The tokens of one session, in the shape of DRF SimpleJWT."
}

// SchemaDescription describes Session in the OpenAPI document.
func (Session) SchemaDescription() string { return "One logged-in device." }

// SchemaDescription describes AdminUpdateUserRequest in the OpenAPI
// document.
func (AdminUpdateUserRequest) SchemaDescription() string {
	return "Absent (or null) fields are left as they are; send at least one."
}

// SchemaDescription describes Accepted in the OpenAPI document.
func (Accepted) SchemaDescription() string {
	return "Work that happens later (sending an email); the same body whatever the outcome."
}

// SchemaDescription describes ErrorBody in the OpenAPI document.
func (ErrorBody) SchemaDescription() string { return "The one shape of every error response." }

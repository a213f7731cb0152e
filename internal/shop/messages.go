package shop

import "fmt"

// Messages for people that name a limit are built from the limit's
// constant, so a changed rule cannot leave its message behind.
var (
	quantityMessage   = fmt.Sprintf("Quantity must be a whole number from 1 to %d.", MaxLineQuantity)
	pageMessage       = fmt.Sprintf("Page must be a whole number from 1 to %d.", MaxPage)
	perPageMessage    = fmt.Sprintf("per_page must be a whole number from 1 to %d.", MaxPerPage)
	queryMessage      = fmt.Sprintf("Search for at most %d characters.", MaxQueryLen)
	cartLinesMessage  = fmt.Sprintf("Your cart can hold at most %d different products.", MaxCartLines)
	emailLenMessage   = fmt.Sprintf("Email must be at most %d characters.", MaxEmailLen)
	passwordShort     = fmt.Sprintf("Password must be at least %d characters.", MinPasswordLen)
	passwordLong      = fmt.Sprintf("Password must be at most %d characters.", MaxPasswordLen)
	postalCodeMessage = fmt.Sprintf("Enter a valid postal code: letters, digits, spaces and hyphens, at most %d.", MaxPostalLen)
)

// PasswordHint describes the password policy to someone choosing a
// password, beside the field.
var PasswordHint = fmt.Sprintf("At least %d characters, hard to guess: no repeats, sequences, keyboard patterns or your own name. "+
	"A few unrelated words you can remember make a strong password.", MinPasswordLen)

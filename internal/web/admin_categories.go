package web

import (
	"net/http"
	"net/url"

	"storefront/internal/shop"
)

// The staff's category pages (issue 10, item 2): the list with the form of
// a new category, and a category's rename form. Every handler is a
// staffPageHandler (admin.go).

// adminCategoriesView is GET /admin/categories.
type adminCategoriesView struct {
	adminView
	Notice     string
	FormError  string
	Categories []shop.Category
	ID         fieldView
	Name       fieldView
}

func newAdminCategoriesView(categories []shop.Category, in shop.Category, fields map[string]string) *adminCategoriesView {
	return &adminCategoriesView{adminView: newAdminView("Categories", "/admin/categories"), Categories: categories,
		ID: fieldView{Name: "id", Label: "Id", Type: "text", Value: in.ID, Error: fields["id"], Required: true,
			Hint: "Letters (a to z, A to Z; the case counts), digits, hyphens or underscores, such as garden-tools; it cannot change later."},
		Name: fieldView{Name: "name", Label: "Name", Type: "text", Value: in.Name, Error: fields["name"], Required: true}}
}

// adminCategoryPath is the address of category id's rename form.
func adminCategoryPath(id string) string { return "/admin/categories/" + url.PathEscape(id) }

// handleAdminCategories serves GET /admin/categories; ?saved=1 says a
// category was just saved.
func (s *server) handleAdminCategories(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	categories, err := s.shop.Categories(r.Context())
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	v := newAdminCategoriesView(categories, shop.Category{}, nil)
	if r.URL.Query().Get("saved") == "1" {
		v.Notice = "The category was saved."
	}
	s.render(w, r, http.StatusOK, "admin_categories", v)
}

// handleAdminCategoryCreate serves POST /admin/categories (fields id,
// name): 303 to the list; bad fields show it again (422), values kept.
func (s *server) handleAdminCategoryCreate(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	in := shop.Category{ID: r.PostForm.Get("id"), Name: r.PostForm.Get("name")}
	_, err := s.shop.CreateCategory(r.Context(), staff, in)
	if err == nil {
		http.Redirect(w, r, "/admin/categories?saved=1", http.StatusSeeOther)
		return
	}
	fields := fieldMessages(err)
	if fields == nil {
		s.errorPage(w, r, err)
		return
	}
	categories, lerr := s.shop.Categories(r.Context())
	if lerr != nil {
		s.errorPage(w, r, lerr)
		return
	}
	v := newAdminCategoriesView(categories, in, fields)
	v.FormError = problemFor(err).Message
	s.render(w, r, http.StatusUnprocessableEntity, "admin_categories", v)
}

// adminCategoryView is a category's rename form.
type adminCategoryView struct {
	adminView
	FormError string
	Category  *shop.Category
	Name      fieldView
}

func newAdminCategoryView(c *shop.Category, name, message string) *adminCategoryView {
	return &adminCategoryView{adminView: newAdminView("Category "+c.Name, "/admin/categories"), Category: c,
		Name: fieldView{Name: "name", Label: "Name", Type: "text", Value: name, Error: message, Required: true}}
}

// handleAdminCategory serves GET /admin/categories/{id}: its rename form.
func (s *server) handleAdminCategory(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	c, err := s.shop.Category(r.Context(), r.PathValue("id"))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_category", newAdminCategoryView(c, c.Name, ""))
}

// handleAdminCategoryRename serves POST /admin/categories/{id} (field
// name): 303 to the list; a bad name shows the form again (422).
func (s *server) handleAdminCategoryRename(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	id, name := r.PathValue("id"), r.PostForm.Get("name")
	_, err := s.shop.RenameCategory(r.Context(), staff, id, name)
	if err == nil {
		http.Redirect(w, r, "/admin/categories?saved=1", http.StatusSeeOther)
		return
	}
	fields := fieldMessages(err)
	c, cerr := s.shop.Category(r.Context(), id)
	if fields == nil || cerr != nil {
		s.errorPage(w, r, err)
		return
	}
	v := newAdminCategoryView(c, name, fields["name"])
	v.FormError = problemFor(err).Message
	s.render(w, r, http.StatusUnprocessableEntity, "admin_category", v)
}

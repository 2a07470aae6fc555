from django.contrib import admin

from catalog.models import Author, Book, Loan

admin.site.register(Author)
admin.site.register(Loan)


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "isbn", "copies")
    search_fields = ("title", "isbn")

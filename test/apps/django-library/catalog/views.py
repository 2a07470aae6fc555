from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog.models import Book


def index(request):
    books = Book.objects.select_related("author").annotate(out=Count("loans", filter=Q(loans__returned=False)))
    return render(request, "catalog/index.html", {"books": books})


def book_detail(request, pk):
    book = get_object_or_404(Book.objects.select_related("author"), pk=pk)
    return render(request, "catalog/book_detail.html", {"book": book, "loans": book.loans.filter(returned=False)})


def healthz(request):
    # Liveness only: no database query, so a slow database never restarts the app.
    return HttpResponse("ok\n", content_type="text/plain")

import logging

from fastapi import FastAPI
from sqlalchemy import select

from inventory.db import SessionLocal
from inventory.models import Warehouse
from inventory.routers import stock

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

app = FastAPI(title="inventory", version="0.9.2")
app.include_router(stock.router)


@app.get("/")
def root():
    with SessionLocal() as session:
        codes = session.scalars(select(Warehouse.code).order_by(Warehouse.code)).all()
    return {"service": "inventory", "warehouses": codes}


@app.get("/healthz", include_in_schema=False)
def healthz():
    return {"status": "ok"}

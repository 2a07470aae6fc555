from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.db import get_session
from inventory.models import StockLevel, Warehouse
from inventory.settings import Settings, get_settings

router = APIRouter(prefix="/stock", tags=["stock"])


class Adjustment(BaseModel):
    warehouse: str
    sku: str
    delta: int


def require_token(authorization: Annotated[str, Header()] = "", settings: Settings = Depends(get_settings)):
    if authorization != f"Bearer {settings.api_token}":
        raise HTTPException(status_code=401, detail="bad token")


@router.get("/{sku}")
def levels(sku: str, session: Session = Depends(get_session), settings: Settings = Depends(get_settings)):
    rows = session.execute(select(Warehouse.code, StockLevel.quantity).join(StockLevel).where(StockLevel.sku == sku)).all()
    return {
        "sku": sku,
        "levels": {code: quantity for code, quantity in rows},
        "low": [code for code, quantity in rows if quantity < settings.low_stock_threshold],
    }


@router.post("/adjust", dependencies=[Depends(require_token)])
def adjust(change: Adjustment, session: Session = Depends(get_session)):
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == change.warehouse))
    if warehouse is None:
        raise HTTPException(status_code=404, detail=f"no warehouse {change.warehouse}")
    level = session.scalar(select(StockLevel).where(StockLevel.warehouse_id == warehouse.id, StockLevel.sku == change.sku))
    if level is None:
        level = StockLevel(warehouse=warehouse, sku=change.sku, quantity=0)
        session.add(level)
    if level.quantity + change.delta < 0:
        raise HTTPException(status_code=409, detail="stock cannot go below zero")
    level.quantity += change.delta
    session.commit()
    return {"warehouse": warehouse.code, "sku": level.sku, "quantity": level.quantity}

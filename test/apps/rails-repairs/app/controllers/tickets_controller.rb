class TicketsController < ApplicationController
  before_action :set_ticket, only: %i[show update]

  def index
    @tickets = Ticket.open_first.limit(100)
  end

  def show; end

  def new
    @ticket = Ticket.new
  end

  def create
    @ticket = Ticket.new(ticket_params)
    if @ticket.save
      TicketNotifier.opened(@ticket) if ENV["NOTIFY_WEBHOOK_TOKEN"].present?
      redirect_to @ticket, notice: "Ticket opened."
    else
      render :new, status: :unprocessable_entity
    end
  end

  def update
    @ticket.update!(status: params.require(:ticket).permit(:status)[:status])
    redirect_to @ticket
  end

  private

  def set_ticket
    @ticket = Ticket.find(params[:id])
  end

  def ticket_params
    params.require(:ticket).permit(:customer_name, :device, :fault)
  end
end

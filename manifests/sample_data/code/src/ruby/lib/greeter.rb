# frozen_string_literal: true

# Greets people in their own language, falling back to English.
module Greeter
  GREETINGS = {
    en: 'Hello, %s!',
    fr: 'Bonjour, %s !',
    es: '¡Hola, %s!',
    de: 'Hallo, %s!',
    pt: 'Olá, %s!',
    id: 'Halo, %s!'
  }.freeze

  module_function

  def greet(name, language = :en)
    template = GREETINGS.fetch(language.to_sym, GREETINGS[:en])
    format(template, name.strip.capitalize)
  end

  def greet_all(people)
    people.map { |name, language| greet(name, language) }
  end

  def time_of_day(hour)
    case hour
    when 5..11 then 'morning'
    when 12..17 then 'afternoon'
    when 18..22 then 'evening'
    else 'night'
    end
  end
end
